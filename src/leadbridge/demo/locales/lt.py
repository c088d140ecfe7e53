"""Lietuvių (the shape: locales/__init__.py)."""

STATUSES = [
    ("Naujas", "#3b82f6", "open", True),
    ("Nesusisiekta", "#6366f1", "open", True),
    ("Susisiekta", "#0ea5e9", "open", True),
    ("Kvalifikuotas", "#10b981", "open", True),
    ("Konvertuotas", "#22c55e", "converted", True),
    ("Prarastas", "#ef4444", "lost", False),
]
SOURCES = [
    "Interneto forma",
    "Svetainė",
    "Skambutis",
    "El. paštas",
    "Rekomendacija",
    "Paroda",
    "Importas",
    "Kita",
]
LOST_REASONS = [
    "Per didelė kaina",
    "Pasirinko konkurentą",
    "Nėra biudžeto",
    "Neatsako",
    "Nesidomi",
    "Kita priežastis",
]
PIPELINE = "Pardavimai"
STAGES = [
    ("Naujas", "open", 10),
    ("Kvalifikavimas", "open", 25),
    ("Pasiūlymas", "open", 50),
    ("Derybos", "open", 75),
    ("Laimėta", "won", 100),
    ("Pralaimėta", "lost", 0),
]
EXTRA_SOURCES = [
    "Paroda 2026",
    "Partneris",
    "Šaltas skambutis",
    "LinkedIn",
    "Naujienlaiškis",
    "Registrų centras",
]
PARTNER_PIPELINE = ("Partnerystės", ["Susisiekta", "Derybos", "Sutartis", "Aktyvi", "Baigta"])
TASK_TEMPLATES = [
    ("Pirmas skambutis", "Prisistatykite ir sužinokite, ko reikia potencialiam klientui.", 1, 0),
    ("Išsiųsti pasiūlymą", "Išsiųskite telefonu aptartą pasiūlymą.", 2, 2),
    ("Parengti sutartį", "Patikrinkite įmonę registre ir parenkite sutartį.", 3, 3),
]
COUNTRY = "LT"
TASKS = [
    "Pirmas skambutis",
    "Išsiųsti pasiūlymą",
    "Pakartotinis skambutis",
    "Paruošti susitikimą",
    "Patikrinti registre",
]
NOTES = [
    "Susipažinome parodoje, domisi „premium“ planu.",
    "Pageidauja el. laiškų, skambinti tik po 14:00.",
    "Prašo tos pačios srities rekomendacijų.",
]
TAGS = [
    "VIP",
    "naujienlaiškis",
    "paroda-2026",
    "partneris",
    "perskambinti",
    "biudžetas-patvirtintas",
]
JOB_TITLES = ["direktorius", "pardavimų vadovas", "pirkėjas", "savininkas", ""]
DEAL_WORDS = ["licencijos", "bandomasis projektas", "pratęsimas", "palaikymas"]
NOTE_SUBJECT = "Pastaba"
# The demo's sales teams by the country they serve (demo/data.py TEAMS).
TEAMS = {"CZ": "Praha", "SK": "Bratislava", "PL": "Varšuva", "LT": "Vilnius", "VN": "Hanojus"}
