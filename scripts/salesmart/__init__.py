"""salesmart: raw CRM, email, marketing and HR extracts to a tested sales-KPI mart."""

__version__ = "0.1.0"
