"""Demo helper: record a few calls of support_agent in prod, as an application would.

The official SDK's `recordings.create` sends the same request; httpx is used here because the
demo installs promptsync without its dev extras. Reads FREEPLAY_API_URL, FREEPLAY_PROJECT_ID
and FREEPLAY_API_KEY, like promptsync.
"""

from __future__ import annotations

import os
import uuid

import httpx

CALLS = [
    {"product": "Acme", "knowledge_base": "Refunds within 14 days.", "question": "Refund?"},
    {"product": "Acme", "knowledge_base": "Plans renew monthly.", "question": "Renewal?"},
    {"product": "Acme", "knowledge_base": "Support 9-5.", "question": "Hours?", "tone": "warm"},
    {"product": "Acme", "knowledge_base": "Ships in 2 days.", "question": "Shipping?"},
]


def main() -> None:
    base = os.environ["FREEPLAY_API_URL"].rstrip("/")
    project = f"{base}/api/v2/projects/{os.environ['FREEPLAY_PROJECT_ID']}"
    headers = {"Authorization": f"Bearer {os.environ['FREEPLAY_API_KEY']}"}
    with httpx.Client(headers=headers) as client:
        served = client.get(f"{project}/prompt-templates/all/prod").json()["prompt_templates"]
        version = next(t for t in served if t["prompt_template_name"] == "support_agent")
        for inputs in CALLS:
            answer = {"role": "assistant", "content": "…"}
            client.post(
                f"{project}/sessions/{uuid.uuid4()}/completions",
                json={
                    "messages": [{"role": "user", "content": inputs["question"]}, answer],
                    "inputs": inputs,
                    "prompt_info": {
                        "prompt_template_version_id": version["prompt_template_version_id"],
                        "environment": "prod",
                    },
                },
            ).raise_for_status()
    print(f"Recorded {len(CALLS)} calls of support_agent in prod (1 of them passes tone).")


if __name__ == "__main__":
    main()
