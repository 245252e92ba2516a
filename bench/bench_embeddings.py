"""Embeddings: texts/s batched, single-text latency, coalescing, int8, and ai's RSS.

The anchor of the speed rows is onnxruntime alone running the same ``.onnx`` file with the
same session options on the same batches, tokenized, sorted and padded beforehand: the floor
of this graph on this machine. The ratio is therefore what ``MiniLMEmbedder`` (tokenizing,
batching by length, the hop to its thread and back) keeps of it. Runs alternate embedder and
anchor (e, a, a, e, ...) so that a busy machine slows both alike. The texts are B2B
marketing sentences of 8 to ~90 tokens, generated from a fixed seed.

The memory row starts ``aic ai`` with the model already built into its data folder, reads
its RSS before the first embedding (the anchor) and after long batches (the figure).
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx2
import numpy as np
import numpy.typing as npt
import psutil

from aic.ai.embeddings.minilm import MINILM, MiniLMEmbedder
from aic.ai.embeddings.model_files import ModelFolder
from aic.ai.embeddings.onnx_cache import cached_encoder_file
from aic.ai.embeddings.runtime import load_tokenizer, open_session
from aic.ai.settings import AISettings
from bench.harness import Result, benchmark
from bench.procs import MB, Probe, Proc, aic_env, free_ports

__all__ = ["embeddings"]

_RSS_GOAL_MB = 700.0  # the whole ai process with the model loaded
_THROUGHPUT_GOAL = 0.8  # x onnxruntime alone on the same batches
_KEY = "bench-embeddings-key"

_SUBJECTS = [
    "Our platform",
    "The analytics suite",
    "Your sales team",
    "Account-based marketing",
    "Intent data",
    "The new pricing page",
    "A personalised landing page",
    "Lead scoring",
    "The onboarding programme",
    "Our integration with your CRM",
]
_VERBS = ["helps", "lets", "shows how", "explains why", "measures how", "predicts when"]
_OBJECTS = [
    "mid-market SaaS companies turn anonymous visitors into qualified pipeline",
    "revenue teams book more demos with fewer cold calls",
    "buying committees compare vendors before they ever talk to sales",
    "marketing and sales agree on a single definition of a qualified lead",
    "enterprise customers roll out single sign-on across every region",
    "small businesses publish case studies that rank and convert",
]
_TAILS = [
    "",
    " in weeks, not quarters.",
    " — without adding headcount.",
    ", according to our 2025 State of B2B Buying report, which surveyed 1,200 buyers.",
    ". Book a 30-minute consultation with a solutions architect to see it on your data, "
    "or start a free trial with no credit card required and cancel at any time.",
]


def _texts(count: int, seed: int = 5) -> list[str]:
    rng = np.random.default_rng(seed)

    def pick(words: list[str]) -> str:
        return words[int(rng.integers(len(words)))]

    return [
        f"{pick(_SUBJECTS)} {pick(_VERBS)} {pick(_OBJECTS)}{pick(_TAILS)} (#{n})"
        for n in range(count)
    ]


class RawSession:
    """onnxruntime alone on pre-padded batches: the anchor."""

    def __init__(self, model_file: Path, threads: int) -> None:
        self.session = open_session(model_file, threads)  # the embedder's own options
        folder = ModelFolder.packaged()  # the same tokenizer (tokenizer.json pads to 128!)
        self.tokenizer = load_tokenizer(folder.tokenizer, folder.max_seq_length())

    def batches(self, texts: list[str], size: int) -> list[dict[str, npt.NDArray[np.int64]]]:
        ids = sorted((e.ids for e in self.tokenizer.encode_batch_fast(texts)), key=len)
        feeds = []
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            width = max(len(row) for row in chunk)
            input_ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros_like(input_ids)
            for row, tokens in enumerate(chunk):
                input_ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1
            feeds.append({"input_ids": input_ids, "attention_mask": mask})
        return feeds

    def run(self, feeds: list[dict[str, npt.NDArray[np.int64]]]) -> None:
        for feed in feeds:
            self.session.run(None, feed)


def _flops(length: int) -> float:
    """Multiply-adds x 2 of one padded text of ``length`` tokens through the 6 layers: the
    projections and feed-forward (4 H^2 + 2 H I per token) and attention (2 L H per token)."""
    hidden, intermediate, layers = 384, 1536, 6
    per_token = 4 * hidden**2 + 2 * hidden * intermediate + 2 * length * hidden
    return 2.0 * layers * length * per_token


def _timed(fn: Callable[[], object]) -> float:
    begin = time.perf_counter()
    fn()
    return time.perf_counter() - begin


def _alternating(
    ours: Callable[[], object], anchor: Callable[[], object], rounds: int
) -> tuple[float, float]:
    """Median seconds of each, runs alternating e, a, a, e, e, a, ... after one warm-up each."""
    ours(), anchor()
    mine: list[float] = []
    theirs: list[float] = []
    for number in range(rounds):
        pair = [(ours, mine), (anchor, theirs)]
        for fn, into in pair if number % 2 == 0 else reversed(pair):
            into.append(_timed(fn))
    return statistics.median(mine), statistics.median(theirs)


def _percentile(values: list[float], share: float) -> float:
    return float(np.percentile(np.array(values) * 1000, share))


def _throughput_row(
    cache: Path, threads: int, raw: RawSession, texts: list[str], size: int, smoke: bool
) -> Result:
    rounds = 1 if smoke else 5
    embedder = MiniLMEmbedder(cache, threads=threads, batch_size=size)
    feeds = raw.batches(texts, size)
    try:
        ours, anchor = _alternating(
            lambda: asyncio.run(embedder.embed(texts)), lambda: raw.run(feeds), rounds
        )
    finally:
        asyncio.run(embedder.aclose())
    figure, floor = len(texts) / ours, len(texts) / anchor
    flops = sum(_flops(len(feed["input_ids"][0])) * len(feed["input_ids"]) for feed in feeds)
    return Result(
        name=f"embeddings/s, batches of {size}",
        figure=figure,
        unit="texts/s",
        anchor=floor,
        anchor_label="onnxruntime alone, same batches",
        better="higher",
        goal=f">= {_THROUGHPUT_GOAL:g}x anchor",
        met=None if smoke else figure >= _THROUGHPUT_GOAL * floor,
        note=f"{len(texts)} texts of 8-90 tokens per run, median of {rounds} runs, "
        f"{threads} onnxruntime thread(s); {flops / ours / 1e9:.0f} GFLOP/s of matrix work "
        f"({flops / anchor / 1e9:.0f} for the anchor)",
    )


def _latency_rows(
    embedder: MiniLMEmbedder, raw: RawSession, texts: list[str], smoke: bool
) -> list[Result]:
    feeds = [raw.batches([text], 1)[0] for text in texts]
    ours: list[float] = []
    anchor: list[float] = []

    async def one_by_one() -> None:
        for text, feed in zip(texts, feeds, strict=True):
            ours.append(await _async_timed(embedder.embed([text])))
            anchor.append(_timed(partial(raw.session.run, None, feed)))

    asyncio.run(one_by_one())
    rows = []
    for share in (50, 95):
        rows.append(
            Result(
                name=f"single-text latency p{share}",
                figure=_percentile(ours, share),
                unit="ms",
                anchor=_percentile(anchor, share),
                anchor_label="onnxruntime alone, same text",
                better="lower",
                goal="< 20 ms" if share == 95 else "",
                met=None if smoke or share != 95 else _percentile(ours, 95) < 20,
                note=f"{len(texts)} texts one at a time, each timed by the caller (an await)"
                if share == 50
                else "",
            )
        )
    return rows


async def _async_timed(call: Any) -> float:
    begin = time.perf_counter()
    await call
    return time.perf_counter() - begin


def _coalescing_row(embedder: MiniLMEmbedder, texts: list[str], smoke: bool) -> Result:
    async def concurrently() -> None:
        await asyncio.gather(*(embedder.embed([text]) for text in texts))

    async def sequentially() -> None:
        for text in texts:
            await embedder.embed([text])

    together, apart = _alternating(
        lambda: asyncio.run(concurrently()), lambda: asyncio.run(sequentially()), 3
    )
    return Result(
        name=f"{len(texts)} concurrent single-text calls",
        figure=len(texts) / together,
        unit="texts/s",
        anchor=len(texts) / apart,
        anchor_label="the same calls one after another",
        better="higher",
        goal=">= 0.9x anchor",
        met=None if smoke else apart / together >= 0.9,
        note="concurrent calls that queue behind a running batch go together in the next one; "
        "the model is compute-bound from ~30 tokens on (a batch of 32 is about as fast per "
        "text as one text), so sharing batches mostly saves thread hand-offs",
    )


def _int8_row(cache: Path, threads: int, texts: list[str], rounds: int) -> Result:
    fp32 = MiniLMEmbedder(cache, threads=threads, batch_size=32)
    int8 = MiniLMEmbedder(cache, threads=threads, batch_size=32, quantized=True)
    try:
        asyncio.run(int8.load())
        quantized, full = _alternating(
            lambda: asyncio.run(int8.embed(texts)), lambda: asyncio.run(fp32.embed(texts)), rounds
        )
    finally:
        asyncio.run(int8.aclose())
        asyncio.run(fp32.aclose())
    return Result(
        name="embeddings/s, int8 variant, batches of 32",
        figure=len(texts) / quantized,
        unit="texts/s",
        anchor=len(texts) / full,
        anchor_label="float32 (the default)",
        better="higher",
        note="AIC_EMBEDDINGS_QUANTIZED=true: attention and embedding weights int8, "
        "cosine >= 0.99 to float32 on the parity fixture (tested); informative, no goal",
    )


def _rss_row(cache_file: Path, smoke: bool) -> Result:
    with tempfile.TemporaryDirectory(prefix="aic-bench-emb-") as folder:
        data = Path(folder)
        (data / "models").mkdir()
        shutil.copy(cache_file, data / "models" / cache_file.name)  # no build in the timing
        port = free_ports(1)[0]
        env = aic_env(data_dir=data, service_api_keys=_KEY, ai_port=port, log_level="warning")
        with Proc.aic(["ai"], env, data / "ai.log") as ai:
            url = f"http://127.0.0.1:{port}"
            ai.wait_ready([Probe(f"{url}/health")], timeout=120)
            process = psutil.Process(ai.pid)
            before = process.memory_info().rss / MB
            long_texts = [
                f"{n} " + "account based marketing for revenue teams " * 60
                for n in range(8 if smoke else 64)
            ]
            short_texts = _texts(64 if smoke else 2048)
            with httpx2.Client(timeout=300, headers={"X-API-Key": _KEY}) as client:
                for batch in (long_texts, short_texts):
                    response = client.post(
                        f"{url}/v1/embeddings", json={"model": MINILM, "input": batch}
                    )
                    response.raise_for_status()
            after = process.memory_info().rss / MB
    return Result(
        name="ai process RSS, embedding model loaded",
        figure=after,
        unit="MB",
        anchor=before,
        anchor_label="the same process before the model",
        better="lower",
        goal=f"< {_RSS_GOAL_MB:g} MB",
        met=None if smoke else after < _RSS_GOAL_MB,
        note=f"aic ai after {len(long_texts)} texts of 256 tokens and {len(short_texts)} short "
        "texts in two requests; MB = 10^6 bytes",
    )


@contextmanager
def _model_cache() -> Iterator[tuple[Path, Path]]:
    with tempfile.TemporaryDirectory(prefix="aic-bench-models-") as folder:
        cache = Path(folder)
        yield cache, cached_encoder_file(ModelFolder.packaged(), cache, MINILM, quantized=False)


@benchmark("embeddings")
def embeddings(smoke: bool) -> list[Result]:
    """all-MiniLM-L6-v2: texts/s, single-text latency, coalescing, int8, ai RSS."""
    threads = AISettings().resolved_embeddings_threads
    corpus = _texts(32 if smoke else 512)
    with _model_cache() as (cache, model_file):
        raw = RawSession(model_file, threads)
        rows = [_throughput_row(cache, threads, raw, corpus, size, smoke) for size in (32, 64)]
        single = MiniLMEmbedder(cache, threads=threads, batch_size=32)
        try:
            rows += _latency_rows(single, raw, _texts(10 if smoke else 200, seed=6), smoke)
            rows.append(_coalescing_row(single, _texts(16 if smoke else 64, seed=7), smoke))
        finally:
            asyncio.run(single.aclose())
        if not smoke:  # the int8 build alone takes seconds
            rows.append(_int8_row(cache, threads, corpus, rounds=5))
        rows.append(_rss_row(model_file, smoke))
    return rows
