"""French company identifiers (SIREN, SIRET): format and Luhn key.

Kept free of Django imports so that settings can validate the home EPCI SIREN.
"""

from __future__ import annotations

# La Poste's establishments share SIREN 356000000 and their SIRET keys follow
# a special rule (sum of digits divisible by 5) instead of Luhn.
LA_POSTE_SIREN = "356000000"


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siren_error(value: str) -> str | None:
    """Return a French, actionable message if ``value`` is not a valid SIREN, else None."""
    if len(value) != 9 or not value.isdigit():
        return f"« {value} » n'est pas un SIREN : il faut exactement 9 chiffres, sans espace."
    if not luhn_valid(value):
        return f"Le SIREN {value} a une clé de contrôle invalide (algorithme de Luhn) : vérifiez la saisie."
    return None


def siret_error(value: str) -> str | None:
    """Return a French, actionable message if ``value`` is not a valid SIRET, else None."""
    if len(value) != 14 or not value.isdigit():
        return f"« {value} » n'est pas un SIRET : il faut exactement 14 chiffres, sans espace."
    if value.startswith(LA_POSTE_SIREN):
        if sum(int(c) for c in value) % 5 != 0:
            return f"Le SIRET {value} a une clé de contrôle invalide : vérifiez la saisie."
        return None
    if not luhn_valid(value):
        return f"Le SIRET {value} a une clé de contrôle invalide (algorithme de Luhn) : vérifiez la saisie."
    return None


def normalize_identifier(value: str) -> str:
    """Remove the spaces and dots people type inside identifiers."""
    return "".join(ch for ch in value if not ch.isspace() and ch not in ".-")
