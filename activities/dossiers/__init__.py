"""Dossiers a court clerk or a commissaire de justice takes as they are: the folder and its manifest
(``folders``), the filing dossier (``filing``) and its exhibits (``exhibits``), the filing dossier of
several invoices of one debtor (``grouped_filing``), the earlier hand-off (``handoff``), and a
dossier's delivery (``delivery``)."""
