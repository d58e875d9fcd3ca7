"""A believable social network in the shape of the seed data, deterministic for a seed.

generate_network() builds every table in memory with numpy (no per-row database work), and
write_network() stores it with the bulk path (COPY on PostgreSQL). The like model is in simulation.py;
docs/RECOMMENDER.md ("Generator") describes the whole generative model.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from django.db import connection, transaction

from accounts.models import Follow, Profile, User
from analytics.rollups import days_touched, rollup_invalidate
from comments.models import Comment
from communities.models import Community, Membership
from messaging.models import Conversation, Message, Participant
from posts.models import Like, Post, PostView, Repost, Topic
from recommender.data import Frames, bulk_insert, daily_spans, next_ids, reset_sequences
from recommender.simulation import HiddenPreferences, pair_keys, sigmoid
from socialnet.db import statistics_refresh

TOPICS = ["business", "covid", "entertainment", "sport", "politics", "tech", "movie"]
PAGE_SIZE = 5
TARGET_LIKE_RATE = 0.10
VECTOR_DIMS = 8

COUNTRIES = {  # country: (share, cities with shares)
    "Russia": (0.62, {"Moscow": 0.3, "Saint Petersburg": 0.18, "Novosibirsk": 0.1, "Yekaterinburg": 0.1,
                      "Kazan": 0.1, "Samara": 0.08, "Omsk": 0.07, "Rostov": 0.07}),
    "Ukraine": (0.12, {"Kyiv": 0.4, "Kharkiv": 0.25, "Odesa": 0.2, "Lviv": 0.15}),
    "Belarus": (0.06, {"Minsk": 0.6, "Gomel": 0.2, "Brest": 0.2}),
    "Kazakhstan": (0.06, {"Almaty": 0.5, "Astana": 0.35, "Shymkent": 0.15}),
    "Turkey": (0.05, {"Istanbul": 0.5, "Ankara": 0.3, "Izmir": 0.2}),
    "Azerbaijan": (0.03, {"Baku": 0.8, "Ganja": 0.2}),
    "Finland": (0.03, {"Helsinki": 0.6, "Tampere": 0.2, "Turku": 0.2}),
    "Latvia": (0.03, {"Riga": 0.8, "Daugavpils": 0.2}),
}
OCCUPATIONS = ["engineer", "teacher", "doctor", "manager", "designer", "accountant", "driver", "sales",
               "developer", "nurse", "lawyer", "artist", "retired"]
FIRST_NAMES = {
    "male": ["Ivan", "Dmitry", "Alexei", "Sergei", "Andrei", "Maxim", "Artem", "Oleg", "Timur", "Emre", "Mikko",
             "Pavel", "Nikita", "Roman", "Yusuf"],
    "female": ["Anna", "Maria", "Elena", "Olga", "Daria", "Sofia", "Irina", "Polina", "Aigerim", "Elif", "Aino",
               "Kristina", "Natalia", "Vera", "Leyla"],
    "other": ["Alex", "Sasha", "Zhenya", "Valya", "Kim"],
}
LAST_NAMES = ["Ivanov", "Smirnov", "Kuznetsov", "Popov", "Volkov", "Sokolov", "Lebedev", "Kozlov", "Novikov",
              "Morozov", "Petrov", "Orlov", "Karimov", "Yilmaz", "Virtanen", "Berzins", "Shevchenko", "Bondar"]

# Topic taste by age group (<25, 25-44, 45+) and gender (male, female, other), as additive logits in TOPICS order.
AGE_TASTE = np.array([
    [-0.6, 0.0, 0.9, 0.5, -0.7, 0.6, 0.8],
    [0.5, 0.0, 0.1, 0.3, 0.2, 0.5, 0.2],
    [0.6, 0.5, -0.3, 0.0, 0.9, -0.2, 0.1],
])
GENDER_TASTE = np.array([
    [0.3, -0.1, -0.1, 0.7, 0.2, 0.4, 0.0],
    [0.0, 0.2, 0.5, -0.4, -0.1, -0.2, 0.3],
    [0.0, 0.0, 0.3, 0.0, 0.0, 0.3, 0.2],
])
TASTE_CONCENTRATION = 3.0  # Dirichlet concentration around the group taste: lower means more individual.

WORDS = {
    "business": {
        "subject": ["The central bank", "A retail giant", "Oil prices", "The startup", "Small businesses",
                    "Investors", "The stock market", "A logistics firm", "Shareholders", "The ruble"],
        "event": ["raised interest rates", "reported record profits", "cut hundreds of jobs", "signed a merger",
                  "beat quarterly forecasts", "launched an IPO", "slowed export growth", "doubled its revenue"],
        "detail": ["amid inflation worries", "after a volatile quarter", "despite supply shortages",
                   "as analysts expected", "ahead of the annual meeting", "while bonds rallied"],
    },
    "covid": {
        "subject": ["Hospitals", "The health ministry", "Vaccination centres", "Doctors", "New variant cases",
                    "Schools", "The WHO", "Testing labs", "Care homes", "Epidemiologists"],
        "event": ["reported a new wave of infections", "extended mask rules", "opened booster appointments",
                  "warned about hospital capacity", "lifted lockdown restrictions", "tracked a new strain",
                  "recorded fewer deaths", "urged people to get vaccinated"],
        "detail": ["as the pandemic continues", "after the quarantine ended", "while ICU beds filled up",
                   "with PCR tests free again", "amid vaccine shortages", "as immunity wanes"],
    },
    "entertainment": {
        "subject": ["The pop star", "A reality show", "The band", "Fans", "The streaming service", "A rapper",
                    "The celebrity couple", "Gamers", "The music festival", "A TV host"],
        "event": ["released a surprise album", "announced a world tour", "broke up on live TV",
                  "topped the charts", "sold out the stadium", "dropped a new music video",
                  "won a Grammy", "launched a game expansion"],
        "detail": ["and the internet went wild", "to mixed reviews", "after years of rumours",
                   "with a viral dance challenge", "ahead of the awards season", "and tickets vanished in minutes"],
    },
    "sport": {
        "subject": ["The national team", "The striker", "A tennis champion", "The hockey club", "The coach",
                    "Marathon runners", "The goalkeeper", "The league", "A young boxer", "The Formula 1 driver"],
        "event": ["won the championship final", "scored a hat-trick", "was knocked out in the semi-final",
                  "signed a record transfer", "set a new world record", "lost on penalties",
                  "qualified for the Olympics", "was injured in training"],
        "detail": ["in front of a packed stadium", "in the last minute of the match", "after extra time",
                   "despite a red card", "to the delight of the fans", "in the away game"],
    },
    "politics": {
        "subject": ["Parliament", "The president", "Opposition leaders", "The government", "Voters",
                    "The foreign minister", "Regional governors", "The senate", "Diplomats", "The prime minister"],
        "event": ["passed a controversial law", "called early elections", "imposed new sanctions",
                  "held a summit", "vetoed the budget", "announced tax reform", "met protesters",
                  "signed a treaty"],
        "detail": ["after a heated debate", "ahead of the election campaign", "amid diplomatic tensions",
                   "despite public protests", "according to official sources", "as the polls tightened"],
    },
    "tech": {
        "subject": ["The smartphone maker", "Researchers", "A chip designer", "The open-source project",
                    "Software engineers", "The AI lab", "A cloud provider", "Hackers", "The browser", "Astronomers"],
        "event": ["unveiled a new processor", "released a language model", "patched a critical vulnerability",
                  "launched a satellite", "shipped a major update", "open-sourced its code",
                  "built a quantum computer prototype", "announced a foldable phone"],
        "detail": ["with twice the battery life", "using machine learning", "after a massive data breach",
                   "for developers worldwide", "at the annual conference", "running entirely on Linux"],
    },
    "movie": {
        "subject": ["The director", "A sci-fi blockbuster", "The indie drama", "Critics", "The animated film",
                    "The lead actress", "The horror sequel", "The film festival", "A documentary", "The studio"],
        "event": ["premiered at Cannes", "topped the box office", "got an Oscar nomination",
                  "released the first trailer", "was praised by critics", "started filming the sequel",
                  "recast the villain", "broke opening weekend records"],
        "detail": ["with stunning cinematography", "and the plot twist divided audiences", "in IMAX theatres",
                   "after a troubled production", "with a memorable soundtrack", "on a tiny budget"],
    },
}
TEMPLATES = ["{subject} {event} {detail}.", "Breaking: {subject} {event}.", "{subject} {event}, {detail}. {opinion}",
             "{opinion} {subject} {event}.", "Did you hear? {subject} {event} {detail}!"]
OPINIONS = ["What do you think?", "Unbelievable.", "Finally!", "Not surprised at all.", "This changes everything.",
            "Thoughts?", "Can't wait to see what happens next.", "Big news."]
COMMENTS = ["Totally agree!", "I don't buy it.", "Great post, thanks.", "Source?", "This is huge.",
            "Interesting take.", "Ha, told you so.", "Sad but true.", "Could not agree more.", "Wow."]
MESSAGES = ["Hi! How are you?", "Did you see that post?", "Let's meet this weekend.", "Thanks for the link!",
            "Haha, exactly.", "Are you coming to the game?", "Send me the article please.", "See you tomorrow.",
            "Congrats!", "I'll call you later."]
COMMUNITY_NAMES = {
    "business": ["Investors Club", "Startup Founders", "Personal Finance"],
    "covid": ["Pandemic Updates", "Vaccine Facts", "Healthy at Home"],
    "entertainment": ["Pop Culture Daily", "Gamers United", "Music Lovers"],
    "sport": ["Football Fans", "Hockey Nation", "Running Club"],
    "politics": ["Policy Debate", "World Affairs", "Election Watch"],
    "tech": ["Open Source", "AI Research", "Gadget Reviews"],
    "movie": ["Cinema Club", "Sci-Fi Screenings", "Indie Films"],
}


@dataclass
class NetworkSpec:
    users: int = 1000
    posts: int = 5000
    days: int = 30
    seed: int = 42
    feed_rows: int | None = None  # views + likes; default 100 per user
    end: datetime | None = None  # end of the feed log; default the start of today (UTC)

    def resolved_feed_rows(self) -> int:
        return self.feed_rows if self.feed_rows is not None else 100 * self.users

    def resolved_end(self) -> datetime:
        if self.end is not None:
            return self.end
        now = datetime.now(UTC)
        return datetime(now.year, now.month, now.day, tzinfo=UTC)


@dataclass
class Network:
    """Every generated table as a DataFrame with final ids, plus the hidden like model."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    hidden: HiddenPreferences | None = None

    def frames(self) -> Frames:
        """The same data as recommender.data.load_frames() would extract after write_network()."""
        t = self.tables
        users = t["users"][["id", "date_joined"]].rename(columns={"id": "user_id", "date_joined": "joined_at"})
        profile_columns = ["user_id", "gender", "age", "country", "city", "occupation", "os", "source"]
        users = users.merge(t["profiles"][profile_columns], on="user_id")
        topic_names = t["topics"].set_index("id")["name"]
        posts = t["posts"].rename(columns={"id": "post_id"})
        posts = posts.assign(topic=posts["topic_id"].map(topic_names), community_id=posts["community_id"].astype(float))
        participants = t["participants"][["conversation_id", "user_id"]]
        messages = t["messages"].merge(participants, on="conversation_id")
        messages = messages[messages["user_id"] != messages["sender_id"]]

        def events(name, user="user_id", ts="created_at"):
            return t[name][[user, "post_id", ts]].rename(columns={user: "user_id", ts: "ts"}).reset_index(drop=True)

        return Frames(
            users=users,
            posts=posts[["post_id", "author_id", "topic", "community_id", "created_at", "text"]],
            views=events("views", ts="viewed_at"),
            likes=events("likes"),
            follows=t["follows"].rename(columns={"created_at": "ts"})[["follower_id", "followee_id", "ts"]],
            memberships=t["memberships"].rename(columns={"joined_at": "ts"})[["user_id", "community_id", "ts"]],
            messages=messages.rename(columns={"user_id": "recipient_id", "created_at": "ts"})[
                ["sender_id", "recipient_id", "ts"]].reset_index(drop=True),
            comments=events("comments", user="author_id"),
            reposts=events("reposts"),
        )


def _choice(rng, options, size, shares=None):
    shares = None if shares is None else np.asarray(shares, dtype=float) / np.sum(shares)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=shares)]


def _times(start: datetime, seconds: np.ndarray) -> pd.Series:
    return pd.Series(pd.Timestamp(start) + pd.to_timedelta(np.asarray(seconds), unit="s"))


def _users(rng, spec, ids, start) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    n = spec.users
    gender = _choice(rng, ["male", "female", "other"], n, [0.52, 0.46, 0.02])
    age = np.clip(np.round(14 + rng.gamma(2.2, 8.0, n)), 14, 85).astype(int)
    countries = list(COUNTRIES)
    country = _choice(rng, countries, n, [COUNTRIES[c][0] for c in countries])
    city = np.empty(n, dtype=object)
    for name in countries:
        mask = country == name
        cities = COUNTRIES[name][1]
        city[mask] = _choice(rng, list(cities), int(mask.sum()), list(cities.values()))
    occupation = _choice(rng, OCCUPATIONS, n)
    occupation[age < 18] = "school student"
    occupation[(age >= 18) & (age < 23) & (rng.random(n) < 0.7)] = "student"
    occupation[(age >= 65) & (rng.random(n) < 0.8)] = "retired"
    os_name = _choice(rng, ["Android", "iOS", "Windows", "macOS", "Linux"], n, [0.62, 0.31, 0.04, 0.02, 0.01])
    source = _choice(rng, ["ads", "organic"], n, [0.45, 0.55])
    first = np.array([FIRST_NAMES[g][i % len(FIRST_NAMES[g])] for g, i in zip(gender, rng.integers(0, 1000, n),
                                                                                 strict=True)], dtype=object)
    last = _choice(rng, LAST_NAMES, n)
    username = [f"{f.lower()}.{s.lower()}.{i}" for f, s, i in zip(first, last, ids, strict=True)]
    joined = _times(start, -rng.uniform(1, 365, n) * 86400)
    end_of_log = pd.Timestamp(start) + pd.Timedelta(days=spec.days)
    birth = pd.Series(end_of_log - pd.to_timedelta(age * 365.25 + rng.uniform(0, 360, n), unit="D")).dt.date
    users = pd.DataFrame({
        "id": ids,
        # Unusable passwords, as Django's set_unusable_password writes them: generated people cannot log in.
        "password": ["!" + rng.bytes(20).hex() for _ in range(n)],
        "is_superuser": False, "username": username, "first_name": first, "last_name": last,
        "email": [f"{u}@example.com" for u in username], "is_staff": False, "is_active": True,
        "date_joined": joined,
    })
    profiles = pd.DataFrame({
        "user_id": ids, "display_name": [f"{f} {s}" for f, s in zip(first, last, strict=True)], "bio": "",
        "gender": gender, "birth_date": birth, "age": age.astype(float), "country": country, "city": city,
        "occupation": occupation, "os": os_name, "source": source,
    })
    age_group = np.digitize(age, [25, 45])
    gender_index = pd.Series(gender).map({"male": 0, "female": 1, "other": 2}).to_numpy()
    country_taste = rng.normal(0, 0.4, (len(countries), len(TOPICS)))
    country_index = pd.Series(country).map({c: i for i, c in enumerate(countries)}).to_numpy()
    group_logits = AGE_TASTE[age_group] + GENDER_TASTE[gender_index] + country_taste[country_index]
    group_taste = np.exp(group_logits) / np.exp(group_logits).sum(axis=1, keepdims=True)
    preference = np.vstack([rng.dirichlet(TASTE_CONCENTRATION * row) for row in group_taste])
    preference = np.clip(preference, 1e-4, None)
    latent = {
        "preference": preference / preference.sum(axis=1, keepdims=True),
        "vectors": rng.normal(0, VECTOR_DIMS ** -0.25, (n, VECTOR_DIMS)),
        "bias": rng.normal(0, 0.5, n),
        "activity": rng.lognormal(0, 0.8, n),
        "fame": rng.pareto(1.5, n) + 1,
        "age_group": age_group,
        "country_index": country_index,
    }
    return users, profiles, latent


def _communities(rng, topic_ids, user_ids, latent, ids_for, start) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A few communities per topic; people join the ones whose topic they like (plus the owner)."""
    rows = [(topic, name) for topic in TOPICS for name in COMMUNITY_NAMES[topic]]
    ids = ids_for(Community, len(rows))
    topic_index = np.array([TOPICS.index(topic) for topic, _ in rows])
    # Owners: people who like the topic most.
    owners = user_ids[np.argmax(latent["preference"][:, topic_index] + rng.random((len(user_ids), len(rows))) * 0.5,
                                axis=0)]
    communities = pd.DataFrame({
        "id": ids,
        "name": [name for _, name in rows],
        "slug": [f"{name.lower().replace(' ', '-')}-{i}" for (_, name), i in zip(rows, ids, strict=True)],
        "description": [f"A community about {topic}." for topic, _ in rows],
        "topic_id": [topic_ids[topic] for topic, _ in rows],
        "created_by_id": owners,
        "created_at": _times(start, -rng.uniform(30, 400, len(rows)) * 86400),
    })
    joins = rng.poisson(1.5, len(user_ids))
    member_user = np.repeat(np.arange(len(user_ids)), joins)
    # Gumbel-max: each join picks a community with probability proportional to the joiner's taste for its topic.
    taste = latent["preference"][member_user][:, topic_index]
    chosen = np.argmax(np.log(taste) + rng.gumbel(size=taste.shape), axis=1)
    members = pd.DataFrame({"community_index": chosen, "user_id": user_ids[member_user], "role": "member"})
    owner_rows = pd.DataFrame({"community_index": np.arange(len(rows)), "user_id": owners, "role": "owner"})
    members = pd.concat([owner_rows, members]).drop_duplicates(["community_index", "user_id"])
    members["community_id"] = ids[members["community_index"].to_numpy()]
    members["is_banned"] = False
    members["joined_at"] = _times(start, -rng.uniform(1, 30, len(members)) * 86400).array
    return communities, members.drop(columns="community_index").reset_index(drop=True)


def _follows(rng, user_ids, latent, start) -> pd.DataFrame:
    """Preferential attachment (chunks of newcomers pick among the already-followed) with homophily."""
    n = len(user_ids)
    out_degree = np.minimum(rng.geometric(1 / 12, n), min(60, n - 1))
    in_degree = np.zeros(n)
    order = rng.permutation(n)
    candidates_per_user = 4 * 60
    pairs = []
    preference = latent["preference"]
    for chunk in np.array_split(order, max(1, min(20, n // 50))):
        attraction = (in_degree + 1) * latent["fame"]
        candidates = rng.choice(n, size=(len(chunk), candidates_per_user), p=attraction / attraction.sum())
        similarity = (
            1.0 * (latent["country_index"][candidates] == latent["country_index"][chunk][:, None])
            + 0.7 * (latent["age_group"][candidates] == latent["age_group"][chunk][:, None])
            + 3.0 * np.einsum("ij,ikj->ik", preference[chunk], preference[candidates])
            + rng.gumbel(size=candidates.shape)
        )
        similarity[candidates == chunk[:, None]] = -np.inf
        ranked = np.argsort(-similarity, axis=1)
        for row, follower in enumerate(chunk):
            picked = np.unique(candidates[row, ranked[row, : out_degree[follower] * 2]])[: out_degree[follower]]
            picked = picked[picked != follower]
            pairs.append(np.column_stack([np.full(len(picked), follower), picked]))
            np.add.at(in_degree, picked, 1)
    edges = np.vstack(pairs) if pairs else np.empty((0, 2), dtype=int)
    follows = pd.DataFrame({"follower_id": user_ids[edges[:, 0]], "followee_id": user_ids[edges[:, 1]]})
    follows = follows.drop_duplicates().reset_index(drop=True)
    follows["created_at"] = _times(start, -rng.uniform(0.5, 60, len(follows)) * 86400).array
    return follows


def _post_texts(rng, topic_index: np.ndarray) -> list[str]:
    picks = rng.integers(0, 1000, (len(topic_index), 5))
    texts = []
    for topic, (template, subject, event, detail, opinion) in zip(topic_index, picks, strict=True):
        words = WORDS[TOPICS[topic]]
        texts.append(TEMPLATES[template % len(TEMPLATES)].format(
            subject=words["subject"][subject % len(words["subject"])],
            event=words["event"][event % len(words["event"])],
            detail=words["detail"][detail % len(words["detail"])],
            opinion=OPINIONS[opinion % len(OPINIONS)],
        ))
    return texts


def _posts(rng, spec, ids, user_ids, latent, topic_ids, communities, members, start) -> pd.DataFrame:
    n = spec.posts
    author_weight = latent["activity"] * latent["fame"]
    author_index = rng.choice(len(user_ids), size=n, p=author_weight / author_weight.sum())
    # Authors write mostly about what they like (sharpened taste).
    taste = latent["preference"][author_index] ** 2
    topic_index = (taste.cumsum(axis=1) / taste.sum(axis=1, keepdims=True) > rng.random((n, 1))).argmax(axis=1)
    # A third of the posts go to a community of their topic; the author is (or becomes) a member.
    community_of_topic = {TOPICS.index(t): communities.loc[communities["topic_id"] == topic_ids[t], "id"].to_numpy()
                          for t in TOPICS}
    in_community = rng.random(n) < 0.3
    community = np.full(n, np.nan)
    for topic, options in community_of_topic.items():
        mask = in_community & (topic_index == topic)
        community[mask] = rng.choice(options, size=int(mask.sum()))
    # Creation times cover the log and a few days before it, so the first feed pages have posts to show.
    lead_days = min(3.0, spec.days / 4)
    created = _times(start, rng.uniform(-lead_days, spec.days, n) * 86400)
    posts = pd.DataFrame({
        "id": ids,
        "author_id": user_ids[author_index],
        "text": _post_texts(rng, topic_index),
        "topic_id": [topic_ids[TOPICS[t]] for t in topic_index],
        "community_id": community,
        "created_at": created,
        "topic_index": topic_index,
    })
    posts["updated_at"] = posts["created_at"]
    return posts.sort_values(["created_at", "id"]).reset_index(drop=True)


def _author_memberships(posts, members) -> pd.DataFrame:
    posted = posts.dropna(subset=["community_id"]).groupby(["community_id", "author_id"])["created_at"].min()
    posted = posted.reset_index().rename(columns={"author_id": "user_id", "created_at": "joined_at"})
    posted["community_id"] = posted["community_id"].astype(np.int64)
    posted["joined_at"] = posted["joined_at"] - pd.Timedelta(hours=1)
    new = posted.merge(members[["community_id", "user_id"]], how="left", indicator=True)
    new = new[new["_merge"] == "left_only"].drop(columns="_merge").assign(role="member", is_banned=False)
    return pd.concat([members, new], ignore_index=True)


def _feed_log(rng, spec, user_ids, latent, posts, hidden, start) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A random feed: each page shows 5 recent-ish posts; a shown post is liked with the hidden probability."""
    n_pages = int(np.ceil(spec.resolved_feed_rows() / (PAGE_SIZE * (1 + TARGET_LIKE_RATE))))
    page_user = rng.choice(len(user_ids), size=n_pages, p=latent["activity"] / latent["activity"].sum())
    page_time = np.sort(rng.uniform(0, spec.days * 86400, n_pages))
    created = (posts["created_at"] - pd.Timestamp(start)).dt.total_seconds().to_numpy()
    newest = np.searchsorted(created, page_time, side="right")  # posts are sorted by creation
    posts_per_day = len(posts) / (spec.days + min(3.0, spec.days / 4))
    # How far back a page reaches: most shown posts are a day or two old, some a week.
    offsets = np.sort(np.floor(rng.exponential(max(10.0, 1.5 * posts_per_day), (n_pages, PAGE_SIZE))), axis=1)
    offsets = offsets + np.arange(PAGE_SIZE)
    post_row = newest[:, None] - 1 - offsets.astype(np.int64)
    post_row = rng.permuted(post_row, axis=1)  # a random feed: no order within the page
    valid = post_row >= 0
    page_index = np.repeat(np.arange(n_pages), PAGE_SIZE).reshape(n_pages, PAGE_SIZE)
    position = np.tile(np.arange(PAGE_SIZE), (n_pages, 1))
    page_index, position, post_row = page_index[valid], position[valid], post_row[valid]
    user_index = page_user[page_index]
    seconds = page_time[page_index] + position * rng.uniform(2, 8, len(position))
    row = posts.iloc[post_row]
    topic = row["topic_index"].to_numpy()
    community = row["community_id"].fillna(-1).to_numpy(np.int64)
    age_days = (seconds - created[post_row]) / 86400
    post_index = np.searchsorted(hidden.post_ids, row["id"].to_numpy())
    logit = hidden.logit(
        user_index, topic, row["author_id"].to_numpy(), community, hidden.post_quality[post_index],
        hidden.post_vectors[post_index], age_days, user_ids[user_index],
    )
    probability = sigmoid(logit)
    liked = rng.random(len(logit)) < probability
    raw = rng.bytes(16 * n_pages)
    page_ids = np.array([str(uuid.UUID(bytes=raw[i:i + 16], version=4)) for i in range(0, len(raw), 16)])
    views = pd.DataFrame({
        "user_id": user_ids[user_index],
        "post_id": row["id"].to_numpy(),
        "viewed_at": _times(start, seconds).array,
        "source": PostView.Source.FEED,
        "position": position,
        "page_id": page_ids[page_index],
        "like_probability": probability,  # kept in memory for checks; not a PostView field, so never written
    })
    like_seconds = seconds[liked] + rng.exponential(45, int(liked.sum()))
    likes = pd.DataFrame({
        "user_id": views["user_id"].to_numpy()[liked],
        "post_id": views["post_id"].to_numpy()[liked],
        "created_at": _times(start, like_seconds).array,
    })
    # A post shown twice may be "liked" twice: a like is unique, the first one stands.
    likes = likes.sort_values("created_at").drop_duplicates(["user_id", "post_id"]).reset_index(drop=True)
    return views, likes


def _reactions(rng, likes, posts) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Some likers also comment or repost, a few minutes after liking."""
    commenting = likes[rng.random(len(likes)) < 0.08]
    comments = pd.DataFrame({
        "post_id": commenting["post_id"].to_numpy(),
        "author_id": commenting["user_id"].to_numpy(),
        "text": _choice(rng, COMMENTS, len(commenting)),
        "created_at": (commenting["created_at"] + pd.to_timedelta(rng.uniform(10, 600, len(commenting)), unit="s"))
        .array,
    })
    comments["updated_at"] = comments["created_at"]
    reposting = likes[rng.random(len(likes)) < 0.03]
    reposts = pd.DataFrame({
        "user_id": reposting["user_id"].to_numpy(),
        "post_id": reposting["post_id"].to_numpy(),
        "note": "",
        "created_at": (reposting["created_at"] + pd.to_timedelta(rng.uniform(5, 300, len(reposting)), unit="s"))
        .array,
    })
    return comments, reposts


def _conversations(rng, follows, ids_for, start, days) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Direct conversations between some people who follow each other (or one another)."""
    pairs = pd.DataFrame({"a": follows[["follower_id", "followee_id"]].min(axis=1),
                          "b": follows[["follower_id", "followee_id"]].max(axis=1)}).drop_duplicates()
    pairs = pairs.sample(frac=min(1.0, 0.25), random_state=int(rng.integers(0, 2**31))).sort_values(["a", "b"])
    conversation_ids = ids_for(Conversation, len(pairs))
    counts = rng.integers(1, 9, len(pairs))
    message_conversation = np.repeat(np.arange(len(pairs)), counts)
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    sender = np.where(rng.random(len(message_conversation)) < 0.5, a[message_conversation], b[message_conversation])
    sent = _times(start, rng.uniform(0, days * 86400, len(message_conversation)))
    messages = pd.DataFrame({
        "conversation_id": conversation_ids[message_conversation],
        "sender_id": sender,
        "text": _choice(rng, MESSAGES, len(message_conversation)),
        "created_at": sent.array,
    }).sort_values(["conversation_id", "created_at"])
    bounds = messages.groupby("conversation_id")["created_at"].agg(["min", "max"])
    first_sender = messages.groupby("conversation_id")["sender_id"].first()
    conversations = pd.DataFrame({
        "id": conversation_ids,
        "title": "",
        "is_group": False,
        "direct_key": [f"{x}:{y}" for x, y in zip(a, b, strict=True)],
        "created_by_id": first_sender.reindex(conversation_ids).to_numpy(),
        "created_at": bounds["min"].reindex(conversation_ids).array,
        "last_message_at": bounds["max"].reindex(conversation_ids).array,
    })
    participants = pd.DataFrame({
        "conversation_id": np.concatenate([conversation_ids, conversation_ids]),
        "user_id": np.concatenate([a, b]),
        "joined_at": pd.concat([conversations["created_at"]] * 2, ignore_index=True).array,
        "last_read_at": pd.concat([conversations["last_message_at"]] * 2, ignore_index=True).array,
    })
    return conversations, participants, messages.reset_index(drop=True)


def generate_network(spec: NetworkSpec) -> Network:
    """Build the whole network in memory, with primary keys following those already in the database."""
    rng = np.random.default_rng(spec.seed)
    end = pd.Timestamp(spec.resolved_end())
    start = (end - pd.Timedelta(days=spec.days)).to_pydatetime()
    ids_for = next_ids
    topic_ids = {name: Topic.objects.get_or_create(name=name)[0].pk for name in TOPICS}
    user_ids = ids_for(User, spec.users)
    users, profiles, latent = _users(rng, spec, user_ids, start)
    communities, members = _communities(rng, topic_ids, user_ids, latent, ids_for, start)
    follows = _follows(rng, user_ids, latent, start)
    posts = _posts(rng, spec, ids_for(Post, spec.posts), user_ids, latent, topic_ids, communities, members, start)
    members = _author_memberships(posts, members)
    by_id = posts.sort_values("id")
    hidden = HiddenPreferences(
        topics=np.array(TOPICS),
        user_ids=user_ids,
        user_topic_preference=latent["preference"],
        user_vectors=latent["vectors"],
        user_bias=latent["bias"],
        post_ids=by_id["id"].to_numpy(np.int64),
        post_topic=by_id["topic_index"].to_numpy(np.int64),
        post_author=by_id["author_id"].to_numpy(np.int64),
        post_community=by_id["community_id"].fillna(-1).to_numpy(np.int64),
        post_created=(by_id["created_at"] - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(),
        post_quality=rng.normal(0, 1, len(by_id)),
        post_vectors=rng.normal(0, VECTOR_DIMS ** -0.25, (len(by_id), VECTOR_DIMS)),
        follow_keys=np.sort(pair_keys(follows["follower_id"], follows["followee_id"])),
        member_keys=np.sort(pair_keys(members["user_id"], members["community_id"])),
    )
    views, likes = _feed_log(rng, spec, user_ids, latent, posts, hidden, start)
    comments, reposts = _reactions(rng, likes, posts)
    conversations, participants, messages = _conversations(rng, follows, ids_for, start, spec.days)
    topics = pd.DataFrame({"id": list(topic_ids.values()), "name": list(topic_ids)})
    tables = {
        "topics": topics, "users": users, "profiles": profiles, "communities": communities,
        "memberships": members, "follows": follows, "posts": posts.drop(columns="topic_index"), "views": views,
        "likes": likes, "comments": comments, "reposts": reposts, "conversations": conversations,
        "participants": participants, "messages": messages,
    }
    return Network(tables=tables, hidden=hidden)


# Table -> model, in an order that satisfies foreign keys.
WRITE_ORDER = [
    ("users", User), ("profiles", Profile), ("communities", Community), ("memberships", Membership),
    ("follows", Follow), ("posts", Post), ("views", PostView), ("likes", Like), ("comments", Comment),
    ("reposts", Repost), ("conversations", Conversation), ("participants", Participant), ("messages", Message),
]
# Explicit ids come from generate_network for these; the others get theirs from the database.
EXPLICIT_IDS = {"users", "posts", "communities", "conversations"}


def write_network(network: Network, *, progress=None) -> dict[str, int]:
    """Store a generated network with the bulk path in one transaction and save its hidden preferences."""
    counts = {}
    tables = network.tables
    with transaction.atomic():
        # Its feed log is dated in the past: rolled-up days it lands on must be rolled up again.
        rollup_invalidate(
            days=days_touched(daily_spans(tables["views"]["viewed_at"]) + daily_spans(tables["likes"]["created_at"]))
        )
        for name, model in WRITE_ORDER:
            counts[name] = bulk_insert(model, tables[name])
            if progress:
                progress(name, counts[name])
        reset_sequences([model for name, model in WRITE_ORDER if name in EXPLICIT_IDS])
    statistics_refresh([model for _, model in WRITE_ORDER])
    network.hidden.save()
    return counts


CONTENT_TABLES = [
    "posts_postview", "posts_like", "posts_repost", "comments_commentlike", "comments_comment", "posts_post",
    "communities_membership", "communities_community", "messaging_message", "messaging_participant",
    "messaging_conversation", "accounts_follow", "accounts_block", "notifications_notification",
    # The dashboard's roll-ups go with the activity log and impressions they summarise.
    "analytics_activity", "analytics_activeuserweek", "analytics_feedday", "analytics_experimentuserday",
    "analytics_rollupday",
]


def clear_network() -> None:
    """Wipe generated and imported content, and every account nobody can log in to (unusable password)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Deferred foreign-key checks still pending in this transaction would block TRUNCATE.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"TRUNCATE {', '.join(CONTENT_TABLES)} RESTART IDENTITY CASCADE")
        else:
            from django.apps import apps

            for table in CONTENT_TABLES:
                model = next(m for m in apps.get_models() if m._meta.db_table == table)
                model.objects.all().delete()
        User.objects.filter(password__startswith="!").delete()
