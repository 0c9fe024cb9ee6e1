"""Code suggestion: candidates from mentions, coding-guideline logic, a learned ranker, output."""
