"""TEST DOUBLE of the Lean REPL process, for tests only. It speaks the REPL's framing (requests separated by blank
lines, continuation lines joined without a newline; pretty-printed responses each followed by a blank line) and
answers from the real recorded transcripts in ../shared/lean/repl_transcripts plus request/response pairs a test
writes itself. It never elaborates Lean.

    python lean_repl_double.py --transcripts DIR --use NAME [--use NAME ...] [--extra PAIRS.jsonl]
                               [--hang-on TEXT] [--exit-on TEXT]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict, deque


def _requests(text: str) -> list[dict]:
    """Requests of a `.in` file: blocks separated by blank lines, lines of a block joined without a newline."""
    out = []
    for block in text.split("\n\n"):
        joined = "".join(block.split("\n")).strip()
        if joined and not joined.startswith("#") and not joined.startswith("--"):
            out.append(json.loads(joined))
    return out


def _responses(text: str) -> list[dict]:
    dec, out, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        obj, i = dec.raw_decode(text, i)
        out.append(obj)


def _key(request: dict) -> str:
    return json.dumps(request, sort_keys=True, ensure_ascii=False)


def load_answers(directory: str, names: list[str], extra: str | None) -> dict[str, deque]:
    answers: dict[str, deque] = defaultdict(deque)
    for name in names:
        with open(f"{directory}/{name}.in", encoding="utf-8") as fh:
            reqs = _requests(fh.read())
        with open(f"{directory}/{name}.expected.out", encoding="utf-8") as fh:
            resps = _responses(fh.read())
        for req, resp in zip(reqs, resps):
            answers[_key(req)].append(resp)
    if extra:
        with open(extra, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    pair = json.loads(line)
                    answers[_key(pair["request"])].append(pair["response"])
    return answers


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--transcripts", required=True)
    p.add_argument("--use", action="append", default=[])
    p.add_argument("--extra")
    p.add_argument("--hang-on", action="append", default=[])
    p.add_argument("--exit-on", action="append", default=[])
    args = p.parse_args()
    answers = load_answers(args.transcripts, args.use, args.extra)
    block: list[str] = []
    for raw in sys.stdin:
        line = raw.rstrip("\n")
        if line.strip():
            block.append(line)
            continue
        if not block:
            continue
        text, block = "".join(block), []
        try:
            request = json.loads(text)
        except json.JSONDecodeError:
            sys.exit(1)  # the real REPL can exit on malformed input
        if any(h in text for h in args.hang_on):
            time.sleep(3600)
        if any(e in text for e in args.exit_on):
            sys.exit(3)
        queue = answers.get(_key(request))
        if queue:
            response = queue.popleft() if len(queue) > 1 else queue[0]
        else:
            response = {"message": f"Lean error:\ntest double has no recorded answer for {text}"}
        sys.stdout.write(json.dumps(response, indent=1, ensure_ascii=False) + "\n\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
