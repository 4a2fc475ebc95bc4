"""Settings, the loaders of the data files beside them (policies, rates, judicial rules, labels,
accounts, agency), and the Temporal client."""
