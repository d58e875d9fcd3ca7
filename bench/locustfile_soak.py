"""Soak traffic for bench/soak.py: the benchmark's mix (feed, post page, post list, like, message) plus posting.

Every write whose answer is 2xx is counted, and the counts are written to $SOAK_COUNTS when locust stops, so that
bench/soak.py can check that the database holds exactly as many new posts, likes and messages. Each simulated
user is a distinct socialnet user and likes only posts created during this run that it has not liked yet, so
every successful like is one new row.
"""

import json
import os
import random
from collections import Counter

import locustfile
from locust import HttpUser, between, events, task

WRITES = Counter()
NEW_POST_IDS: list[int] = []  # posts created in this run, shared by the simulated users of this process


class SoakUser(HttpUser):
    """The reads of locustfile.SocialnetUser (reused, not inherited: inheriting would also inherit its uncounted
    writes) and counted writes."""

    wait_time = between(0.2, 0.6)

    def on_start(self):
        locustfile.SocialnetUser.on_start(self)
        self.liked: set[int] = set()
        self.topics = [topic["name"] for topic in self.client.get("/api/v1/topics/", name="api: topics").json()]

    @task(6)
    def feed(self):
        locustfile.SocialnetUser.feed(self)

    @task(3)
    def post_page(self):
        locustfile.SocialnetUser.post_page(self)

    @task(2)
    def post_list(self):
        locustfile.SocialnetUser.post_list(self)

    def _count_if_ok(self, response, kind: str) -> bool:
        ok = 200 <= response.status_code < 300
        if ok:
            WRITES[kind] += 1
        return ok

    @task(1)
    def write_post(self):
        response = self.client.post(
            "/api/v1/posts/", json={"text": "soak post", "topic": random.choice(self.topics)},
            name="api: post create",
        )
        if self._count_if_ok(response, "posts"):
            NEW_POST_IDS.append(response.json()["id"])

    @task(1)
    def like(self):
        candidates = [post_id for post_id in NEW_POST_IDS[-200:] if post_id not in self.liked]
        if not candidates:
            return
        post_id = random.choice(candidates)
        self.liked.add(post_id)
        response = self.client.post(f"/api/v1/posts/{post_id}/like/", name="api: like")
        self._count_if_ok(response, "likes")

    @task(1)
    def message(self):
        if self.conversation_id:
            response = self.client.post(
                f"/api/v1/conversations/{self.conversation_id}/messages/",
                json={"text": "soak message"},
                name="api: message send",
            )
            self._count_if_ok(response, "messages")


@events.test_stop.add_listener
def write_counts(**kwargs):
    with open(os.environ["SOAK_COUNTS"], "w") as out:
        json.dump(dict(WRITES), out)
