"""Factories for tests and the benchmark. People are clearly fictional."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from maillage.accounts.models import User
from maillage.accounts.roles import Role
from maillage.core.text import normalize
from maillage.interactions.models import FollowUpAction, Interaction, InteractionKind
from maillage.organizations.models import Organization, OrganizationKind
from maillage.people.models import LegalBasis, Person, Position, PositionRole

PASSWORD = "mot-de-passe-de-test-solide"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    role = Role.AGENT
    password = factory.django.Password(PASSWORD)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.ASSOCIATION
    name = factory.Sequence(lambda n: f"Association fictive n°{n}")
    search_text = factory.LazyAttribute(lambda o: normalize(o.name))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    search_text = factory.LazyAttribute(lambda p: normalize(f"{p.first_name} {p.last_name}"))
    email = factory.LazyAttribute(
        lambda p: f"{normalize(p.first_name)}.{normalize(p.last_name)}@example.org".replace(" ", "-")
    )
    legal_basis = LegalBasis.PUBLIC_INTEREST
    source = "Saisie manuelle (test)"
    retention_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=3 * 365))


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    person = factory.SubFactory(PersonFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = PositionRole.PROJECT_OFFICER
    start_date = dt.date(2022, 1, 1)


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    kind = InteractionKind.MEETING
    date = factory.LazyFunction(timezone.localdate)
    subject = factory.Sequence(lambda n: f"Échange n°{n}")

    @factory.post_generation
    def organizations(self, create, extracted, **kwargs):
        if create and extracted:
            self.organizations.set(extracted)

    @factory.post_generation
    def people(self, create, extracted, **kwargs):
        if create and extracted:
            self.people.set(extracted)


class FollowUpActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpAction

    interaction = factory.SubFactory(InteractionFactory)
    description = factory.Sequence(lambda n: f"Relance n°{n}")
    owner = factory.SubFactory(UserFactory)
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))
