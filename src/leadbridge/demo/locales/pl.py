"""Polski (the shape: locales/__init__.py)."""

STATUSES = [
    ("Nowy", "#3b82f6", "open", True),
    ("Nieskontaktowany", "#6366f1", "open", True),
    ("Skontaktowany", "#0ea5e9", "open", True),
    ("Zakwalifikowany", "#10b981", "open", True),
    ("Przekonwertowany", "#22c55e", "converted", True),
    ("Utracony", "#ef4444", "lost", False),
]
SOURCES = [
    "Formularz WWW",
    "Strona internetowa",
    "Telefon",
    "E-mail",
    "Polecenie",
    "Targi",
    "Import",
    "Inne",
]
LOST_REASONS = [
    "Za wysoka cena",
    "Wybrał konkurencję",
    "Brak budżetu",
    "Brak odpowiedzi",
    "Brak zainteresowania",
    "Inny powód",
]
PIPELINE = "Sprzedaż"
STAGES = [
    ("Nowa", "open", 10),
    ("Kwalifikacja", "open", 25),
    ("Oferta", "open", 50),
    ("Negocjacje", "open", 75),
    ("Wygrana", "won", 100),
    ("Przegrana", "lost", 0),
]
EXTRA_SOURCES = ["Targi 2026", "Partner", "Zimny telefon", "LinkedIn", "Newsletter", "Rejestr firm"]
PARTNER_PIPELINE = (
    "Partnerstwa",
    ["Nawiązany kontakt", "Negocjacje", "Umowa", "Aktywne", "Zakończone"],
)
TASK_TEMPLATES = [
    ("Pierwszy telefon", "Przedstaw się i dowiedz się, czego potrzebuje klient.", 1, 0),
    ("Wyślij ofertę", "Wyślij ofertę uzgodnioną podczas rozmowy.", 2, 2),
    ("Przygotuj umowę", "Sprawdź firmę w rejestrze i przygotuj umowę.", 3, 3),
]
COUNTRY = "PL"
TASKS = [
    "Pierwszy telefon",
    "Wyślij ofertę",
    "Telefon kontrolny",
    "Przygotuj spotkanie",
    "Sprawdź w rejestrze firm",
]
NOTES = [
    "Poznaliśmy się na targach, interesuje go pakiet premium.",
    "Woli e-mail, dzwonić dopiero po 14:00.",
    "Prosi o referencje z tej samej branży.",
]
TAGS = ["VIP", "newsletter", "targi-2026", "partner", "oddzwonić", "budżet-zatwierdzony"]
JOB_TITLES = ["prezes zarządu", "kierownik sprzedaży", "zakupowiec", "właściciel", ""]
DEAL_WORDS = ["licencje", "pilotaż", "przedłużenie", "wsparcie"]
NOTE_SUBJECT = "Notatka"
# The demo's sales teams by the country they serve (demo/data.py TEAMS).
TEAMS = {"CZ": "Praga", "SK": "Bratysława", "PL": "Warszawa", "LT": "Wilno", "VN": "Hanoi"}
