"""A question -> its analysis: standalone query, language, translations, intent, filters."""
