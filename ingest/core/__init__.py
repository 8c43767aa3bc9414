"""What every stage shares: settings, the error family, the frozen records, language analysis."""
