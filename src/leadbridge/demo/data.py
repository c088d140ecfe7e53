"""Names, companies, cities and phone formats of the five seed countries (plain data)."""

COUNTRIES = {
    "CZ": {
        "first": [
            ("Jan", "m"),
            ("Petr", "m"),
            ("Tomáš", "m"),
            ("Jiří", "m"),
            ("Šárka", "f"),
            ("Jana", "f"),
            ("Lucie", "f"),
            ("Kateřina", "f"),
            ("Martin", "m"),
            ("Eva", "f"),
        ],
        "last": [
            ("Novák", "Nováková"),
            ("Kopřiva", "Kopřivová"),
            ("Dvořák", "Dvořáková"),
            ("Černý", "Černá"),
            ("Procházka", "Procházková"),
            ("Svoboda", "Svobodová"),
            ("Veselý", "Veselá"),
            ("Horák", "Horáková"),
        ],
        "company": [
            "Porost {} s.r.o.",
            "{} stavby a.s.",
            "Agro {} s.r.o.",
            "{} Logistika s.r.o.",
            "Pekárna {} s.r.o.",
        ],
        "words": ["Morava", "Vltava", "Beskydy", "Šumava", "Krkonoše", "Labe"],
        "cities": [
            ("Praha", "110 00"),
            ("Brno", "602 00"),
            ("Ostrava", "702 00"),
            ("Plzeň", "301 00"),
            ("Olomouc", "779 00"),
        ],
        "streets": ["Vinohradská", "Masarykova", "Husova", "Palackého", "Nádražní"],
        "phone": "+420 6{0}{1} {2}{3}{4} {5}{6}{7}",
        "domain": "cz",
        "currency": "CZK",
    },
    "SK": {
        "first": [
            ("Marek", "m"),
            ("Peter", "m"),
            ("Zuzana", "f"),
            ("Katarína", "f"),
            ("Lukáš", "m"),
            ("Mária", "f"),
        ],
        "last": [
            ("Kováč", "Kováčová"),
            ("Horváth", "Horváthová"),
            ("Varga", "Vargová"),
            ("Tóth", "Tóthová"),
            ("Baláž", "Balážová"),
        ],
        "company": ["Gram {} s.r.o.", "{} Systems, spol. s r.o.", "Tatra {} a.s."],
        "words": ["Tatry", "Dunaj", "Váh", "Orava", "Spiš"],
        "cities": [
            ("Bratislava", "811 01"),
            ("Košice", "040 01"),
            ("Žilina", "010 01"),
            ("Nitra", "949 01"),
        ],
        "streets": ["Obchodná", "Štúrova", "Hlavná", "Mlynská"],
        "phone": "+421 9{0}{1} {2}{3}{4} {5}{6}{7}",
        "domain": "sk",
        "currency": "EUR",
    },
    "PL": {
        "first": [
            ("Agnieszka", "f"),
            ("Piotr", "m"),
            ("Katarzyna", "f"),
            ("Tomasz", "m"),
            ("Małgorzata", "f"),
            ("Paweł", "m"),
        ],
        "last": [
            ("Kowalski", "Kowalska"),
            ("Nowak", "Nowak"),
            ("Wiśniewski", "Wiśniewska"),
            ("Wójcik", "Wójcik"),
            ("Lewandowski", "Lewandowska"),
        ],
        "company": ["{} Sp. z o.o.", "Przedsiębiorstwo {} S.A.", "{} Trade Sp. z o.o."],
        "words": ["Wisła", "Mazury", "Tatry", "Bałtyk", "Karpaty"],
        "cities": [
            ("Warszawa", "00-001"),
            ("Kraków", "30-001"),
            ("Wrocław", "50-001"),
            ("Gdańsk", "80-001"),
            ("Poznań", "60-001"),
        ],
        "streets": ["Marszałkowska", "Długa", "Piotrkowska", "Świętojańska"],
        "phone": "+48 5{0}{1} {2}{3}{4} {5}{6}{7}",
        "domain": "pl",
        "currency": "PLN",
    },
    "LT": {
        "first": [
            ("Jonas", "m"),
            ("Tomas", "m"),
            ("Rūta", "f"),
            ("Eglė", "f"),
            ("Mantas", "m"),
            ("Inga", "f"),
        ],
        "last": [
            ("Kazlauskas", "Kazlauskienė"),
            ("Petrauskas", "Petrauskienė"),
            ("Jankauskas", "Jankauskaitė"),
            ("Stankevičius", "Stankevičienė"),
            ("Vasiliauskas", "Vasiliauskaitė"),
        ],
        "company": ["UAB „{}“", "{} UAB", "AB „{}“"],
        "words": ["Nemunas", "Baltija", "Neris", "Gintaras", "Vilkas"],
        "cities": [
            ("Vilnius", "LT-01100"),
            ("Kaunas", "LT-44280"),
            ("Klaipėda", "LT-91100"),
            ("Šiauliai", "LT-76100"),
        ],
        "streets": ["Gedimino pr.", "Laisvės al.", "Vilniaus g.", "Pylimo g."],
        "phone": "+370 6{0}{1} {2}{3}{4}{5}{6}",
        "domain": "lt",
        "currency": "EUR",
    },
    "VN": {
        "first": [
            ("Văn An", "m"),
            ("Thị Hoa", "f"),
            ("Minh Tuấn", "m"),
            ("Thu Trang", "f"),
            ("Quốc Bảo", "m"),
            ("Ngọc Lan", "f"),
        ],
        "last": [
            ("Nguyễn", "Nguyễn"),
            ("Trần", "Trần"),
            ("Lê", "Lê"),
            ("Phạm", "Phạm"),
            ("Hoàng", "Hoàng"),
        ],
        "company": ["Công ty TNHH {}", "Công ty Cổ phần {}", "{} JSC"],
        "words": ["Sao Mai", "Hồng Hà", "Phương Đông", "Thành Công", "Việt Tiến"],
        "cities": [
            ("Hà Nội", "100000"),
            ("Thành phố Hồ Chí Minh", "700000"),
            ("Đà Nẵng", "550000"),
            ("Hải Phòng", "180000"),
        ],
        "streets": ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng"],
        "phone": "+84 9{0} {1}{2}{3} {4}{5}{6}{7}",
        "domain": "vn",
        "currency": "VND",
    },
}

# Sources and statuses the seeds name, beside the defaults a new install has.
EXTRA_SOURCES = [
    "Trade fair 2026",
    "Partner",
    "Cold call",
    "LinkedIn",
    "Newsletter",
    "Company registry",
]
TAGS = ["VIP", "newsletter", "fair-2026", "partner", "callback", "budget-approved"]
TEAMS = [
    ("Prague", "CZ"),
    ("Bratislava", "SK"),
    ("Warsaw", "PL"),
    ("Vilnius", "LT"),
    ("Hanoi", "VN"),
]
DEMO_USERS = [
    # username, first, last, role, teams
    ("marketa", "Markéta", "Marketingová", "marketing", ["Prague", "Bratislava"]),
    ("jonas", "Jonas", "Pardavėjas", "sales", ["Vilnius"]),
    ("piotr", "Piotr", "Sprzedawca", "sales", ["Warsaw"]),
    ("lan", "Ngọc Lan", "Trần", "sales", ["Hanoi"]),
    ("tomas", "Tomáš", "Obchodník", "sales", ["Prague"]),
    ("vedouci", "Věra", "Vedoucí", "sales_manager", ["Prague", "Bratislava"]),
]
DEMO_PASSWORD = "demo-Leadbridge-2026"
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
