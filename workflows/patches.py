"""The changes that altered the case workflow's history, by the name ``workflow.patched`` records:
cases started before each one replay without it."""

# A step falling on a rest day moves to the next business morning (when the policy says so).
BUSINESS_CALENDAR = "business-calendar"
# The formal notice states the penalties accrued so far; the claim sends them with their statement.
PENALTY_CLAIMS = "penalty-claims"
# A creditor who accepted the charter: its invoice gets the green label and the attestation.
GREEN_LABEL = "green-invoice-label"
# A judicial filing waits for a second agent's approval.
FOUR_EYES = "four-eyes-filing-approval"
# The formal notice's delivery is followed to its outcome; its deadline runs from the receipt.
PROOF_OF_RECEIPT = "formal-notice-proof-of-receipt"
# The judicial step decides by the rules (config/judicial.toml), files a dossier, hands it to the
# commissaire de justice and follows their reports; the agent is warned before prescription.
JUDICIAL_ROUTE = "judicial-route"
# The case publishes its state, stage, balance… as typed search attributes (models/search_attributes.py).
SEARCH_ATTRIBUTES = "case-search-attributes"
# Since then, also whether the case waits for a person (the agents' work queue lists those).
NEEDS_PERSON = "case-needs-person"
# Since then, also the step it takes next and when: the lists read them instead of asking each case.
NEXT_ACTION = "case-next-action"
# A small claim is decided on the interest of today: with a half-year's rates not yet published,
# the route waits for an agent instead of resting on interest stopped early.
ROUTE_ON_PUBLISHED_RATES = "route-on-published-rates"
# A step refused for want of a signatory reads the creditor and the agency again once resumed: how a
# signatory given after the case started reaches it.
SIGNATORY_READ_AGAIN = "signatory-read-again"
# An agency's first letter states the interest and the indemnity accrued so far, principal, interest
# and accessories apart (CPCE R124-4 3°), whatever the stage of its step.
AGENCY_FIRST_LETTER_PENALTIES = "agency-first-letter-penalties"
# The signed quote or order imported with the invoice is its own exhibit of the filing dossier; a
# case with the order's reference but not its document goes to court only if its policy says so.
ORDER_DOCUMENT = "order-document-exhibit"
# The debtor under collective proceedings: an agent records the opening judgment, the ladder stops,
# the case draws the declaration of claim and reminds the agents before its deadline.
INSOLVENCY = "insolvency-proceedings"
# A consumer's interest runs from the formal notice's receipt, or its first presentation when it was
# refused or not claimed (Code civil 1231-6, 1344-1), no longer from its sending: none is claimed
# before the notice's outcome is known.
CONSUMER_INTEREST_FROM_RECEIPT = "consumer-interest-from-receipt"
# A step of a case started with its debtor's account goes out through the account, with the
# debtor's other steps of the same send slot (one email, one registered letter, one penalty claim).
GROUPED_SENDING = "grouped-sending"
# A judicial step of a case started with its debtor's account goes to court through the account:
# the debtor's eligible claims of one slot in one dossier, one request, approved once.
GROUPED_FILING = "grouped-filing"
