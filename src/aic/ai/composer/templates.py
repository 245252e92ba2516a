"""The composer's only own words: a fixed list of connective phrases, by tone and content type.

None of them states a fact about the product. Slots: ``{topic}``/``{Topic}`` (the brief's
topic), ``{also}`` (``, including <keywords>`` or nothing), ``{keywords}`` (a list of
keywords), ``{title}`` (a cited source's title, in italics). ``grounding`` matches generated
sentences against these same templates.
"""

from __future__ import annotations

from aic.ai.composer.briefs import Tone

__all__ = ["CONNECTORS", "SENTENCE_TEMPLATES", "phrase_variants"]

_Variants = tuple[str, ...]

# phrase kind -> tone -> variants (the brief's fingerprint picks one, skipping banned words).
_BY_TONE: dict[str, dict[Tone, _Variants]] = {
    "blog_title": {
        "professional": ("{Topic}: an overview", "{Topic} explained"),
        "friendly": ("A friendly guide to {topic}", "Let's talk about {topic}"),
        "authoritative": ("{Topic}: the essential guide", "{Topic}: what you need to know"),
        "playful": ("All about {topic}", "{Topic}, unpacked"),
    },
    "blog_intro": {
        "professional": (
            "This article looks at {topic}{also}.",
            "Here is an overview of {topic}{also}.",
        ),
        "friendly": (
            "Let's take a look at {topic}{also}.",
            "Here's a quick tour of {topic}{also}.",
        ),
        "authoritative": (
            "This guide sets out the essentials of {topic}{also}.",
            "What follows covers {topic}{also}, point by point.",
        ),
        "playful": ("Ready to dig into {topic}{also}?", "Let's unpack {topic}{also}."),
    },
    "intro_heading": {
        "professional": ("Overview", "Introduction"),
        "friendly": ("First things first", "Getting started"),
        "authoritative": ("Summary", "The essentials"),
        "playful": ("The big picture", "Let's begin"),
    },
    "closing_heading": {
        "professional": ("Conclusion", "In summary"),
        "friendly": ("Wrapping up", "Before you go"),
        "authoritative": ("Key takeaways", "The bottom line"),
        "playful": ("That's a wrap", "And finally"),
    },
    "closing": {
        "professional": ("For the details, read {title}.", "The full picture is in {title}."),
        "friendly": ("Want the whole story? Read {title}.", "There's more in {title}."),
        "authoritative": ("The reference is {title}.", "Read {title} for the complete account."),
        "playful": ("Hungry for more? Try {title}.", "Your next read: {title}."),
    },
    "email_subject": {
        "professional": ("{Topic}: an overview", "A note on {topic}"),
        "friendly": ("A quick note on {topic}", "Quick read: {topic}"),
        "authoritative": ("{Topic}: what you need to know", "{Topic}: the essentials"),
        "playful": ("Psst: {topic}", "Two minutes on {topic}"),
    },
    "greeting": {
        "professional": ("Hello,", "Good day,"),
        "friendly": ("Hi there,", "Hi,"),
        "authoritative": ("Dear reader,", "Hello,"),
        "playful": ("Hey there!", "Hi friend!"),
    },
    "email_intro": {
        "professional": (
            "I am writing with a short overview of {topic}{also}.",
            "Here is a brief summary of {topic}{also}.",
        ),
        "friendly": (
            "Here's a quick note on {topic}{also}.",
            "Just a short one about {topic}{also}.",
        ),
        "authoritative": (
            "This note sets out the essentials of {topic}{also}.",
            "Below are the key points on {topic}{also}.",
        ),
        "playful": ("Here's the scoop on {topic}{also}.", "Quick one: {topic}{also}."),
    },
    "call_to_action": {
        "professional": ("Read the full article: {title}.", "You can find the details in {title}."),
        "friendly": ("Want to know more? Read {title}.", "Have a look at {title}."),
        "authoritative": ("Read {title} next.", "The next step is {title}."),
        "playful": ("Curious? Dive into {title}.", "Go on, read {title}."),
    },
    "sign_off": {
        "professional": ("Best regards,", "Kind regards,"),
        "friendly": ("Cheers,", "Talk soon,"),
        "authoritative": ("Regards,", "Sincerely,"),
        "playful": ("Catch you soon!", "Until next time!"),
    },
    "landing_title": {
        "professional": ("{Topic}", "{Topic} at a glance"),
        "friendly": ("Meet {topic}", "Say hello to {topic}"),
        "authoritative": ("{Topic}: how it works", "{Topic}, in detail"),
        "playful": ("All about {topic}", "{Topic}, unpacked"),
    },
    "benefits_heading": {
        "professional": ("Benefits", "What you get"),
        "friendly": ("Why you'll like it", "What's in it for you"),
        "authoritative": ("Key capabilities", "Capabilities"),
        "playful": ("The good stuff", "Highlights"),
    },
    "proof_heading": {
        "professional": ("In practice", "How it works in practice"),
        "friendly": ("How it plays out", "In real life"),
        "authoritative": ("The evidence", "By the numbers"),
        "playful": ("Proof, please", "Seeing is believing"),
    },
    "cta_heading": {
        "professional": ("Next steps", "Learn more"),
        "friendly": ("Take a look", "Come see"),
        "authoritative": ("Get the details", "Where to go next"),
        "playful": ("Your move", "Over to you"),
    },
    "overview_heading": {
        "professional": ("Overview", "Product overview"),
        "friendly": ("What it is", "In a nutshell"),
        "authoritative": ("Product summary", "Overview"),
        "playful": ("Meet the product", "The short version"),
    },
    "features_heading": {
        "professional": ("Key features", "Features"),
        "friendly": ("What you can do", "Handy features"),
        "authoritative": ("Capabilities", "Specifications"),
        "playful": ("The fun bits", "Tricks up its sleeve"),
    },
    "social_lead": {
        "professional": ("On {topic}{also}:", "About {topic}{also}:"),
        "friendly": ("Quick tip on {topic}{also}:", "Did you know? On {topic}{also}:"),
        "authoritative": ("{Topic}{also}, the key point:", "Fact check on {topic}{also}:"),
        "playful": ("Fun fact about {topic}{also}:", "Plot twist on {topic}{also}:"),
    },
    "social_link": {
        "professional": ("More: {title}", "Read: {title}"),
        "friendly": ("More here: {title}", "Have a read: {title}"),
        "authoritative": ("Source: {title}", "Details: {title}"),
        "playful": ("Dive in: {title}", "Go on: {title}"),
    },
}

# Tone-neutral phrases.
_NEUTRAL: dict[str, _Variants] = {
    "keywords_line": ("Topics: {keywords}.", "Also covered: {keywords}."),
    "source_heading": ("From {title}", "More on this"),
    "seo_title_heading": ("SEO title",),
    "meta_heading": ("Meta description",),
    "subject_heading": ("Subject",),
    "greeting_heading": ("Greeting",),
    "body_heading": ("Message",),
    "sign_off_heading": ("Sign-off",),
    "post_heading": ("Post",),
    "hero_heading": ("Hero",),
}

# Prefixed to some extracted sentences so that they read as one text; each ends the way the
# composer joins it to the lower-cased sentence that follows.
CONNECTORS: dict[Tone, _Variants] = {
    "professional": ("In addition,", "Also,", "Further,"),
    "friendly": ("Plus,", "On top of that,", "Also,"),
    "authoritative": ("Importantly,", "Note that", "Crucially,"),
    "playful": ("Oh, and", "Bonus:", "And guess what:"),
}


def phrase_variants(kind: str, tone: Tone) -> _Variants:
    if kind in _NEUTRAL:
        return _NEUTRAL[kind]
    return _BY_TONE[kind][tone]


def _sentence_templates() -> tuple[str, ...]:
    found: list[str] = []
    for variants in _NEUTRAL.values():
        found += variants
    for by_tone in _BY_TONE.values():
        for variants in by_tone.values():
            found += variants
    return tuple(dict.fromkeys(found))


# Every template the composer may emit, as sentences or headings (grounding checks these).
SENTENCE_TEMPLATES: tuple[str, ...] = _sentence_templates()
