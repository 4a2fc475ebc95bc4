"""The use cases both doors call (the command line in ``cli/``, the web in ``web/``): intake,
commands, letters, bailiff reports, penalties, audit, litigation files, labels, accounts,
portfolio figures and the work queue."""
