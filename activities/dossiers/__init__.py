"""Dossiers a court clerk or a commissaire de justice takes as they are: the folder and its manifest
(``folders``), the filing dossier (``filing``), the earlier hand-off (``handoff``), and a dossier's
delivery (``delivery``)."""
