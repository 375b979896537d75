"""A consulting request's answers, step by step (``ANSWERS``) and as a modal (``VALID``), shared by the lead tests."""

ANSWERS = [
    "Ann Lee",
    "Ann@Example.org",
    "Riverside Library",
    "1",
    "We want to train 10 librarians to run learning circles.",
    "Spring 2027",
    "skip",
    "yes",
    "no",
]

VALID = {
    "name": "Ann Lee",
    "email": "ann@example.org",
    "organization": "Riverside Library",
    "help_kind": "training",
    "description": "Train our staff",
    "timeline": "soon",
    "budget": "",
    "consent": "yes",
}
