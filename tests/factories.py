"""factory_boy factories for the desk's records."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from casework.models import Adviser, Team
from casework.policies import ADVISERS_GROUP, MANAGERS_GROUP
from enquiries.intake.services import next_reference
from enquiries.models import Channel, Contact, EnquirerType, Enquiry, Organisation


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@desk.example")
    password = factory.django.Password("correct horse battery staple")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.LazyAttribute(lambda t: t.name.lower().replace(" ", "-"))

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if extracted:
            self.topics.set(extracted)


class AdviserFactory(factory.django.DjangoModelFactory):
    """An adviser (or, with ``manager=True``, a manager) with a user in the right group."""

    class Meta:
        model = Adviser
        exclude = ["first_name"]
        skip_postgeneration_save = True

    first_name = "Adviser"
    user = factory.SubFactory(
        UserFactory,
        first_name=factory.SelfAttribute("..first_name"),
        username=factory.LazyAttribute(lambda u: f"{u.first_name.lower()}"),
    )
    capacity = 25

    @factory.post_generation
    def manager(self, create, extracted, **kwargs):
        name = MANAGERS_GROUP if extracted else ADVISERS_GROUP
        self.user.groups.add(Group.objects.get(name=name))

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if extracted:
            self.teams.set(extracted)

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if extracted:
            self.topics.set(extracted)

    @factory.post_generation
    def local_authorities(self, create, extracted, **kwargs):
        if extracted:
            self.local_authorities.set(extracted)

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if extracted:
            self.regions.set(extracted)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Community group {n}")
    org_type = EnquirerType.COMMUNITY_GROUP


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@example.org")
    organisation = factory.SubFactory(OrganisationFactory)
    consent_to_store = True


class EnquiryFactory(factory.django.DjangoModelFactory):
    """An enquiry saved directly (no routing, no email): for reads and permissions tests."""

    class Meta:
        model = Enquiry

    reference = factory.LazyFunction(lambda: next_reference(timezone.localdate().year))
    channel = Channel.WEB
    subject = factory.Sequence(lambda n: f"Enquiry {n}")
    message = "Please help us."
    contact = factory.SubFactory(ContactFactory)
    organisation = factory.SelfAttribute("contact.organisation")
    received_at = factory.LazyFunction(timezone.now)
