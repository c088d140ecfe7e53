# Slovak short dates as STN 01 6910 writes them, "6. 12. 2026", where Django has "06.12.2026".
SHORT_DATE_FORMAT = "j. n. Y"
SHORT_DATETIME_FORMAT = "j. n. Y G:i"
