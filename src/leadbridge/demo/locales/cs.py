"""Čeština (the shape: locales/__init__.py)."""

STATUSES = [
    ("Nový", "#3b82f6", "open", True),
    ("Nekontaktovaný", "#6366f1", "open", True),
    ("Kontaktovaný", "#0ea5e9", "open", True),
    ("Kvalifikovaný", "#10b981", "open", True),
    ("Konvertovaný", "#22c55e", "converted", True),
    ("Ztracený", "#ef4444", "lost", False),
]
SOURCES = [
    "Webový formulář",
    "Web",
    "Telefonát",
    "E-mail",
    "Doporučení",
    "Veletrh",
    "Import",
    "Jiný",
]
LOST_REASONS = [
    "Příliš vysoká cena",
    "Vybral si konkurenci",
    "Nemá rozpočet",
    "Nereaguje",
    "Nemá zájem",
    "Jiný důvod",
]
PIPELINE = "Obchod"
STAGES = [
    ("Nový", "open", 10),
    ("Kvalifikace", "open", 25),
    ("Nabídka", "open", 50),
    ("Vyjednávání", "open", 75),
    ("Vyhráno", "won", 100),
    ("Prohráno", "lost", 0),
]
EXTRA_SOURCES = [
    "Veletrh 2026",
    "Partner",
    "Studený kontakt",
    "LinkedIn",
    "Newsletter",
    "Obchodní rejstřík",
]
PARTNER_PIPELINE = ("Partnerství", ["Osloveno", "Vyjednávání", "Smlouva", "Aktivní", "Ukončeno"])
TASK_TEMPLATES = [
    ("První telefonát", "Představte se a zjistěte, co lead potřebuje.", 1, 0),
    ("Poslat nabídku", "Pošlete nabídku domluvenou po telefonu.", 2, 2),
    ("Připravit smlouvu", "Ověřte firmu v obchodním rejstříku a připravte smlouvu.", 3, 3),
]
COUNTRY = "CZ"
TASKS = [
    "První telefonát",
    "Poslat nabídku",
    "Kontrolní telefonát",
    "Připravit schůzku",
    "Ověřit v obchodním rejstříku",
]
NOTES = [
    "Potkali jsme se na veletrhu, zajímá ho prémiový tarif.",
    "Preferuje e-mail, volat až po 14:00.",
    "Chce reference ze stejného oboru.",
]
TAGS = ["VIP", "newsletter", "veletrh-2026", "partner", "zavolat-zpět", "schválený-rozpočet"]
JOB_TITLES = ["jednatel", "obchodní ředitel", "nákupčí", "majitel", ""]
DEAL_WORDS = ["licence", "pilotní projekt", "prodloužení", "podpora"]
NOTE_SUBJECT = "Poznámka"
# The demo's sales teams by the country they serve (demo/data.py TEAMS).
TEAMS = {"CZ": "Praha", "SK": "Bratislava", "PL": "Varšava", "LT": "Vilnius", "VN": "Hanoj"}
