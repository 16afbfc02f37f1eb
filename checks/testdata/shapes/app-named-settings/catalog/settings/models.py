from django.db import models


class DisplayPreference(models.Model):
    """What one shopper wants to see in the catalogue."""

    PAGE_SIZES = [(12, "12"), (24, "24"), (48, "48")]
    shopper = models.ForeignKey("auth.User", on_delete=models.CASCADE)
    page_size = models.IntegerField(choices=PAGE_SIZES, default=24)
