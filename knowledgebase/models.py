"""Reference data the rest of the desk relies on: the topic taxonomy and areas."""

from django.core.exceptions import ValidationError
from django.db import models


class Topic(models.Model):
    """A two-level taxonomy of what enquiries are about (DOMAIN.md, "Topics")."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    concerns_asset = models.BooleanField(
        default=False, help_text="Enquiries on this topic usually concern a building or land."
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="topic_unique_name_in_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name}: {self.name}" if self.parent_id else self.name

    def clean(self) -> None:
        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": "Topics have two levels: pick a top-level parent."})
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": "A topic cannot be its own parent."})

    @property
    def root_id(self) -> int:
        return self.parent_id or self.pk


class Region(models.Model):
    """An English region (ITL1), used to group local authority areas."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LocalAuthority(models.Model):
    """A local authority area: where the group and its asset are."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="authorities")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return self.name
