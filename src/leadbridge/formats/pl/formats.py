# Polish short dates as Polish invoices and letters write them, "03.12.2026", where Django has
# "03-12-2026" (the long format, "3 grudnia 2026", stays Django's).
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
