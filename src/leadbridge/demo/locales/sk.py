"""Slovenčina (the shape: locales/__init__.py)."""

STATUSES = [
    ("Nový", "#3b82f6", "open", True),
    ("Nekontaktovaný", "#6366f1", "open", True),
    ("Kontaktovaný", "#0ea5e9", "open", True),
    ("Kvalifikovaný", "#10b981", "open", True),
    ("Konvertovaný", "#22c55e", "converted", True),
    ("Stratený", "#ef4444", "lost", False),
]
SOURCES = [
    "Webový formulár",
    "Web",
    "Telefonát",
    "E-mail",
    "Odporúčanie",
    "Veľtrh",
    "Import",
    "Iný",
]
LOST_REASONS = [
    "Príliš vysoká cena",
    "Vybral si konkurenciu",
    "Nemá rozpočet",
    "Nereaguje",
    "Nemá záujem",
    "Iný dôvod",
]
PIPELINE = "Obchod"
STAGES = [
    ("Nový", "open", 10),
    ("Kvalifikácia", "open", 25),
    ("Ponuka", "open", 50),
    ("Vyjednávanie", "open", 75),
    ("Vyhrané", "won", 100),
    ("Prehrané", "lost", 0),
]
EXTRA_SOURCES = [
    "Veľtrh 2026",
    "Partner",
    "Studený kontakt",
    "LinkedIn",
    "Newsletter",
    "Obchodný register",
]
PARTNER_PIPELINE = ("Partnerstvá", ["Oslovené", "Vyjednávanie", "Zmluva", "Aktívne", "Ukončené"])
TASK_TEMPLATES = [
    ("Prvý telefonát", "Predstavte sa a zistite, čo lead potrebuje.", 1, 0),
    ("Poslať ponuku", "Pošlite ponuku dohodnutú po telefóne.", 2, 2),
    ("Pripraviť zmluvu", "Overte firmu v obchodnom registri a pripravte zmluvu.", 3, 3),
]
COUNTRY = "SK"
TASKS = [
    "Prvý telefonát",
    "Poslať ponuku",
    "Kontrolný telefonát",
    "Pripraviť stretnutie",
    "Overiť v obchodnom registri",
]
NOTES = [
    "Stretli sme sa na veľtrhu, zaujíma ho prémiový balík.",
    "Uprednostňuje e-mail, volať až po 14:00.",
    "Chce referencie z rovnakého odvetvia.",
]
TAGS = ["VIP", "newsletter", "veltrh-2026", "partner", "zavolať-späť", "schválený-rozpočet"]
JOB_TITLES = ["konateľ", "obchodný riaditeľ", "nákupca", "majiteľ", ""]
DEAL_WORDS = ["licencie", "pilotný projekt", "predĺženie", "podpora"]
NOTE_SUBJECT = "Poznámka"
# The demo's sales teams by the country they serve (demo/data.py TEAMS).
TEAMS = {"CZ": "Praha", "SK": "Bratislava", "PL": "Varšava", "LT": "Vilnius", "VN": "Hanoj"}
