"""English (the shape: locales/__init__.py)."""

STATUSES = [
    ("New", "#3b82f6", "open", True),
    ("Not contacted", "#6366f1", "open", True),
    ("Contacted", "#0ea5e9", "open", True),
    ("Qualified", "#10b981", "open", True),
    ("Converted", "#22c55e", "converted", True),
    ("Lost", "#ef4444", "lost", False),
]
SOURCES = [
    "Web form",
    "Website",
    "Phone call",
    "E-mail",
    "Referral",
    "Trade fair",
    "Import",
    "Other",
]
LOST_REASONS = [
    "Price too high",
    "Went with a competitor",
    "No budget",
    "No response",
    "No need",
    "Other",
]
PIPELINE = "Sales"
STAGES = [
    ("New", "open", 10),
    ("Qualification", "open", 25),
    ("Proposal", "open", 50),
    ("Negotiation", "open", 75),
    ("Won", "won", 100),
    ("Lost", "lost", 0),
]
EXTRA_SOURCES = [
    "Trade fair 2026",
    "Partner",
    "Cold call",
    "LinkedIn",
    "Newsletter",
    "Company registry",
]
PARTNER_PIPELINE = ("Partnerships", ["Contacted", "Negotiation", "Contract", "Active", "Ended"])
TASK_TEMPLATES = [
    ("First call", "Introduce yourself and find out what the lead needs.", 1, 0),
    ("Send the offer", "Send the offer agreed on the call.", 2, 2),
    ("Prepare the contract", "Check the company registry and prepare the contract.", 3, 3),
]
COUNTRY = None  # the international demo: people and companies of all five countries
TASKS = [
    "First call",
    "Send the offer",
    "Follow-up call",
    "Prepare a meeting",
    "Check the company registry",
]
NOTES = [
    "Met at the trade fair, interested in the premium plan.",
    "Prefers e-mail, call only after 14:00.",
    "Asked for references from the same industry.",
]
TAGS = ["VIP", "newsletter", "fair-2026", "partner", "callback", "budget-approved"]
JOB_TITLES = ["CEO", "Sales manager", "Buyer", "Owner", ""]
DEAL_WORDS = ["licences", "pilot", "renewal", "support"]
NOTE_SUBJECT = "Note"
# The demo's sales teams by the country they serve (demo/data.py TEAMS).
TEAMS = {"CZ": "Prague", "SK": "Bratislava", "PL": "Warsaw", "LT": "Vilnius", "VN": "Hanoi"}
