"""Temporal activities: one module per desk, each an activity class calling the pieces beside it.

``documents`` (letters), ``labels``, ``penalties``, ``mail`` (emails and registered letters),
``legal`` (dossiers, the commissaire de justice) and ``ledger`` (the journal, payments) hold the
classes the worker registers; their pieces are ``rendering/`` (HTML to PDF, templates and what they
see), ``labelling/`` (codes, the stamp, images, the charter), ``registered_mail/`` (the providers),
``dossiers/`` (folders, filing, hand-off, delivery), ``smtp``, ``paths`` and ``judicial_rules``.
"""
