# Vietnamese short dates day/month/year, "03/12/2026", as Vietnamese invoices write them, where
# Django has "03-12-2026".
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "H:i d/m/Y"
