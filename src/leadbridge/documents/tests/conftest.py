"""Fixtures of the documents tests: the company details, a client, a product price list."""

import pytest

from leadbridge.conftest import api_for  # noqa: F401 - re-exported for the tests


@pytest.fixture
def company(admin_user):
    from leadbridge.documents.company import company_set

    return company_set(
        actor=admin_user,
        data={
            "name": "Dodavatel s.r.o.",
            "registration_number": "12345678",
            "vat_id": "SK2020202020",
            "street": "Hlavná 1",
            "city": "Bratislava",
            "postcode": "811 01",
            "country": "SK",
            "iban": "SK31 1200 0000 1987 4263 7541",
        },
    )


@pytest.fixture
def client_record(admin_user):
    from leadbridge.clients.services import client_create

    return client_create(
        actor=admin_user,
        data={
            "kind": "company",
            "name": "Odběratel a.s.",
            "registration_number": "87654321",
            "vat_id": "CZ87654321",
            "street": "Dlouhá 5",
            "city": "Praha",
            "postcode": "110 00",
            "country": "CZ",
            "email": "nakup@odberatel.cz",
        },
    ).obj


@pytest.fixture
def products(admin_user):
    from leadbridge.documents.services import product_create

    return {
        "consulting": product_create(
            actor=admin_user,
            data={
                "name": "Konzultace",
                "code": "KONZ",
                "unit": "h",
                "unit_price": "1250.00",
                "currency": "CZK",
                "vat_rate": "21",
            },  # fmt: skip
        ).obj,
        "book": product_create(
            actor=admin_user,
            data={
                "name": "Příručka",
                "code": "BOOK",
                "unit": "ks",
                "unit_price": "349.00",
                "currency": "CZK",
                "vat_rate": "12",
            },  # fmt: skip
        ).obj,
    }
