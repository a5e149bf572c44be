"""Words the demo data set is made of: names, phone plans, subjects, replies and comments.

Plain ASCII where it becomes a username or an e-mail address; customers keep their accents.
Every domain is a reserved ``example`` domain, so no generated address can reach anyone.
"""

from __future__ import annotations

from dataclasses import dataclass


def _words(text: str) -> tuple[str, ...]:
    """Names written as one space-separated string (keeps long lists short on the page)."""
    return tuple(text.split())


@dataclass(frozen=True)
class Country:
    """Customers of one country: names, language, time zones and a mobile numbering plan."""

    code: str
    language: str
    zones: tuple[str, ...]
    prefixes: tuple[str, ...]  # E.164 prefixes of valid mobile ranges
    digits: int  # digits that follow the prefix
    domain: str
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]


COUNTRIES: tuple[Country, ...] = (
    Country(
        "GB",
        "en",
        ("Europe/London",),
        ("+44740", "+44741", "+44743", "+44771", "+44772", "+44781", "+44790", "+44792"),
        7,
        "example.co.uk",
        _words(
            "Oliver Amelia Harry Isla George Ava Noah Mia Jack Emily Leo Grace Arthur Freya "
            "Oscar Poppy Alfie Ella Charlie Lily"
        ),
        _words(
            "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright "
            "Thompson Evans Walker White Roberts Green Hall Khan Clarke"
        ),
    ),
    Country(
        "US",
        "en",
        ("America/New_York", "America/Chicago", "America/Los_Angeles"),
        ("+1212", "+1312", "+1415"),
        7,
        "example.com",
        _words(
            "James Olivia Michael Emma Ethan Sophia Daniel Ava Mason Isabella Logan Madison "
            "Lucas Chloe Jayden Harper Aiden Abigail Carter Zoe"
        ),
        _words(
            "Johnson Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Anderson "
            "Thomas Moore Jackson Martin Lee Perez Harris Clark Lewis Young"
        ),
    ),
    Country(
        "FR",
        "fr",
        ("Europe/Paris",),
        ("+3361", "+3362", "+3365", "+3366", "+3376", "+3377"),
        7,
        "example.fr",
        _words(
            "Léa Lucas Chloé Hugo Manon Louis Camille Jules Inès Gabriel Zoé Arthur Juliette "
            "Raphaël Élise Théo Margaux Nathan Anaïs Maël"
        ),
        _words(
            "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon "
            "Laurent Lefèvre Michel Garcia Fournier Girard Bonnet Dupont Lambert"
        ),
    ),
    Country(
        "DE",
        "de",
        ("Europe/Berlin",),
        ("+49151", "+49152", "+49160", "+49170", "+49171", "+49176"),
        8,
        "example.de",
        _words(
            "Lukas Mia Leon Hannah Finn Emma Jonas Sophie Paul Lena Felix Marie Elias Lea "
            "Maximilian Anna Noah Laura Moritz Jana"
        ),
        _words(
            "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch "
            "Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger"
        ),
    ),
    Country(
        "AU",
        "en",
        ("Australia/Sydney", "Australia/Melbourne"),
        ("+6140", "+6141", "+6142", "+6143"),
        7,
        "example.com.au",
        _words(
            "Charlotte William Ruby Jack Matilda Thomas Sienna Henry Ivy Hudson Willow Archie "
            "Evie Lachlan Sadie Cooper Frankie Riley Hazel Xavier"
        ),
        _words(
            "Nguyen Kelly Mitchell Campbell Ryan Murphy Walsh O'Brien Byrne Stewart Morgan "
            "Cooper Ward Bell Hughes Russell Price Bennett Turner Reid"
        ),
    ),
)

# Where each team's time zone draws its customers from (country code -> share).
COUNTRY_MIX: dict[str, dict[str, float]] = {
    "Europe/London": {"GB": 0.72, "FR": 0.08, "DE": 0.08, "US": 0.07, "AU": 0.05},
    "Europe/Berlin": {"DE": 0.62, "FR": 0.18, "GB": 0.14, "US": 0.06},
    "Europe/Paris": {"FR": 0.66, "DE": 0.14, "GB": 0.14, "US": 0.06},
    "America/New_York": {"US": 0.82, "GB": 0.08, "AU": 0.10},
    "Australia/Sydney": {"AU": 0.86, "GB": 0.08, "US": 0.06},
}

# US area codes by zone (the first three prefixes of the US plan line up with its zones).
US_AREA_BY_ZONE = {
    "America/New_York": "+1212",
    "America/Chicago": "+1312",
    "America/Los_Angeles": "+1415",
}

EMPLOYEE_FIRST = _words(
    "Ana Ben Chloe Daniel Elena Farid Grace Hugo Ines Jonas Kemal Laura Marta Nikhil "
    "Olivia Pavel Quentin Rosa Samir Tara Umar Vera Wes Ximena Yusuf Zara Aoife Bruno "
    "Carla Dmitri Eva Fatima Gustav Hana Ivan Julia Kofi Lina Mateo Nora Oskar Priya "
    "Rafael Sofia Tomas Uma Viktor Wanda Yara Zoltan Amara Bilal Clara Diego Emil "
    "Freya Goran Helga Idris Jana"
)
EMPLOYEE_LAST = _words(
    "Silva Okafor Nowak Fischer Rossi Haddad Kim Murphy Costa Berg Yilmaz Novak "
    "Schmidt Sharma Dubois Ivanova Tanaka Lopez Mensah Jensen Ahmed Kowalski Moreau "
    "Petrov Santos Lindqvist Osei Varga Weber Nakamura Reyes Hansen Popescu Ali "
    "Kruger Larsen Chen Diaz Eriksen Farouk Gallo Horvat Iqbal Janssen Keller Lund "
    "Mori Nielsen Olsen Pereira Quinn Ruiz Sato Toth Ueda Vidal Wong Xu Young "
    "Zielinski"
)

SUBJECTS: dict[str, tuple[str, ...]] = {
    "billing": (
        "Invoice shows the wrong amount",
        "Refund not received yet",
        "Charged twice this month",
        "Cannot download my invoice",
        "Change of billing address",
        "Direct debit failed",
        "Question about late payment fee",
        "VAT number missing on invoice",
        "Payment plan request",
        "Card declined at renewal",
        "Credit note for returned item",
        "Price increase explanation",
    ),
    "tech": (
        "Router keeps disconnecting",
        "App crashes on start",
        "Cannot log in after update",
        "Slow connection in the evening",
        "Error 503 on the dashboard",
        "Two-factor code not arriving",
        "Device not recognised",
        "Sync stuck at 99 %",
        "No signal since this morning",
        "Password reset link expired",
        "Printer driver missing",
        "Data export fails",
    ),
    "onboarding": (
        "How do I set up my account?",
        "Activation e-mail not received",
        "Add a second user",
        "Transfer my number",
        "Welcome pack missing",
        "Identity check rejected",
        "Which plan suits me?",
        "Move my start date",
        "Import contacts from old provider",
        "Cannot verify my phone number",
        "Change my username",
        "Set up direct debit",
    ),
}

CUSTOMER_MESSAGES = (
    "Any update on this?",
    "I tried that and it still does not work.",
    "Here are the details you asked for.",
    "Thanks, but I have another question.",
    "Please call me back when you can.",
    "It happened again this morning.",
    "I attached a screenshot.",
    "Still waiting for a reply.",
)
PUBLIC_REPLIES = (
    "Thanks for your patience, I am looking into this now.",
    "I have fixed this on our side; please try again.",
    "Could you send me a screenshot of the error?",
    "I have escalated this to our specialist team and will update you.",
    "Your refund has been processed and should arrive in 3-5 days.",
    "I have updated your account as requested.",
    "Please restart the device and let me know if it helps.",
    "Thanks for confirming, I am closing this request now.",
)
INTERNAL_NOTES = (
    "Customer called twice about this.",
    "Checked logs: known issue, see problem ticket.",
    "VIP customer, handle with care.",
    "Waiting on finance to approve the refund.",
    "Asked second line for advice.",
    "Duplicate of an older request, merged.",
)
CSAT_GOOD = (
    "Quick and friendly, thank you!",
    "Solved at the first try.",
    "Great service.",
    "Kept me posted the whole time.",
)
CSAT_BAD = (
    "Took far too long.",
    "Nobody told me what was happening.",
    "I had to chase you several times.",
    "Problem still not solved.",
)
PULSE_COMMENTS_GOOD = (
    "Good team spirit this week.",
    "Enjoyed the coaching session.",
    "Manageable workload.",
)
PULSE_COMMENTS_BAD = (
    "No time between calls.",
    "Too much overtime lately.",
    "Queues are always red, exhausting.",
    "Need more people on the phones.",
)

QA_ITEMS: tuple[tuple[str, float, int, int, bool], ...] = (
    # label, weight, scale_min, scale_max, critical
    ("Greeting and identification", 1.0, 0, 4, False),
    ("Understanding of the issue", 2.0, 0, 4, False),
    ("Accuracy of the solution", 3.0, 0, 4, False),
    ("Empathy and tone", 2.0, 0, 4, False),
    ("Notes and follow-up", 1.0, 0, 4, False),
    ("Data protection check", 2.0, 0, 1, True),
)

COACHING_TOPICS = (
    (
        "Workload and breaks",
        "high_occupancy",
        "Talked about back-to-back contacts and taking breaks on time.",
        "Take every scheduled break; flag the lead when the queue stays red for 30 min.",
    ),
    (
        "Keeping customers posted",
        "silence_breach",
        "Reviewed tickets that went silent for days.",
        "Send an update before any open ticket reaches 24 h of silence.",
    ),
    (
        "Accuracy of solutions",
        "qa_item_low",
        "Went through two QA reviews with low accuracy scores.",
        "Use the knowledge base checklist on billing corrections.",
    ),
    (
        "Call control and AHT",
        "aht_outlier",
        "Listened to three long calls together; practised summarising.",
        "Bring AHT within 10 % of the team median while keeping CSAT.",
    ),
    (
        "Career development",
        "",
        "Discussed interest in becoming a QA reviewer.",
        "Shadow a QA calibration session next month.",
    ),
    (
        "New product training follow-up",
        "",
        "Checked understanding of the new plans after training.",
        "Handle the new-plan questions without escalation.",
    ),
)

NOTIFICATION_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "acknowledgement": (
            "Hi {name}, we received your request #{ticket} and will be in touch soon."
        ),
        "still_working": (
            "Hi {name}, we are still working on request #{ticket}. Thanks for your patience."
        ),
        "status_change": "Hi {name}, your request #{ticket} is now {status}.",
    },
    "fr": {
        "acknowledgement": "Bonjour {name}, nous avons bien reçu votre demande n°{ticket}.",
        "still_working": "Bonjour {name}, nous traitons toujours votre demande n°{ticket}.",
        "status_change": "Bonjour {name}, votre demande n°{ticket} est maintenant : {status}.",
    },
    "de": {
        "acknowledgement": "Hallo {name}, wir haben Ihre Anfrage Nr. {ticket} erhalten.",
        "still_working": "Hallo {name}, wir arbeiten weiter an Ihrer Anfrage Nr. {ticket}.",
        "status_change": "Hallo {name}, Ihre Anfrage Nr. {ticket} ist jetzt: {status}.",
    },
}

STATUS_WORDS = {"pending": "waiting for your reply", "on_hold": "on hold", "solved": "solved"}
