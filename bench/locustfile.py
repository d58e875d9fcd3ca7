"""Mixed API and page load for bench/run.py. Each simulated user is a distinct socialnet user (token auth).

Requests are named by what they measure: "feed: ranked" (experiment treatment: the active model) and
"feed: random" (control: the random fallback feed) are the same endpoint, served side by side in one run.
"""

import json
import os
import random
from itertools import count

from locust import HttpUser, between, task

FIXTURES = json.loads(open(os.environ["BENCH_FIXTURES"]).read())
NEXT_USER = count()


class SocialnetUser(HttpUser):
    wait_time = between(0.05, 0.2)

    def on_start(self):
        me = FIXTURES["users"][next(NEXT_USER) % len(FIXTURES["users"])]
        self.client.headers["Authorization"] = f"Token {me['token']}"
        self.feed_name = "feed: ranked" if me["group"] == "treatment" else "feed: random"
        self.conversation_id = me["conversation_id"]

    @task(6)
    def feed(self):
        self.client.get("/api/v1/feed/?page_size=5", name=self.feed_name)

    @task(3)
    def post_page(self):
        post_id = random.choice(FIXTURES["post_ids"])
        # The plain post page in the browser (HTML views ignore the API token: an anonymous visitor).
        self.client.get(f"/posts/{post_id}/", name="post page (HTML)")

    @task(2)
    def post_list(self):
        self.client.get("/api/v1/posts/", name="api: post list")

    @task(1)
    def like(self):
        post_id = random.choice(FIXTURES["post_ids"])
        self.client.post(f"/api/v1/posts/{post_id}/like/", name="api: like")

    @task(1)
    def message(self):
        if self.conversation_id:
            self.client.post(
                f"/api/v1/conversations/{self.conversation_id}/messages/",
                json={"text": "benchmark message"},
                name="api: message send",
            )
