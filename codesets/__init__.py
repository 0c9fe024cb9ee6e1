"""Code sets: ICD-10-CM, HCPCS Level II and CPT releases, lookups, search and version selection."""
