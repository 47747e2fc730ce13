from django.db import models


class Row(models.Model):
    name = models.CharField(max_length=100)
    batch = models.CharField(max_length=20)
    province = models.CharField(max_length=20)
    kind = models.CharField(max_length=20)
    status = models.CharField(max_length=20)

    class Meta:
        app_label = "bare_app"

    def __str__(self) -> str:
        return self.name
