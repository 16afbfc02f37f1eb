from .sales import top_customers, totals_for_region
