"""SNS: moto 5.2.5 confirms every subscription at once and answers CreateTopic for a taken name
with the existing topic whatever its tags. This gives both AWS's semantics:

* CreateTopic for a name the account already has answers that topic only when the request's tags
  and attributes match it; otherwise InvalidParameter ("Topic already exists with different
  tags" / "... attributes"), as AWS does.
* Subscriptions with an endpoint that must confirm (email, email-json, http, https) start pending:
  GetSubscriptionAttributes says PendingConfirmation=true and ConfirmationWasAuthenticated=false,
  ListSubscriptions(ByTopic) shows "PendingConfirmation" instead of their ARN, Subscribe answers
  "pending confirmation" unless ReturnSubscriptionArn=true (then the real ARN), and Unsubscribe
  refuses them (InvalidParameter). ConfirmSubscription is not modelled; DeleteTopic still
  removes the topic's subscriptions, pending ones included."""

from __future__ import annotations

import json
import sys

CONFIRMING = ("email", "email-json", "http", "https")


def apply() -> None:
    try:
        from moto.core.responses import ActionResult
        from moto.core.utils import camelcase_to_underscores, ensure_boolean
        from moto.sns.exceptions import SNSInvalidParameter
        from moto.sns.models import SNSBackend, Subscription
        from moto.sns.responses import SNSResponse
    except ImportError as e:  # moto's layout moved: fail loudly
        sys.exit(f"moto_patches/sns.py: {e}")
    for owner, name in ((SNSBackend, "create_topic"), (SNSBackend, "subscribe"), (SNSBackend, "unsubscribe"),
                        (SNSResponse, "subscribe")):
        if not hasattr(owner, name):
            sys.exit(f"moto_patches/sns.py: {owner.__name__}.{name} is gone; update this patch")
    if hasattr(Subscription, "subscription_arn"):
        sys.exit("moto_patches/sns.py: Subscription.subscription_arn exists now; update this patch")

    def pending(sub: Subscription) -> bool:
        return sub.attributes.get("PendingConfirmation") is True

    def same_attribute(topic, name: str, value: str) -> bool:  # type: ignore[no-untyped-def]
        if name == "Policy":
            try:
                return json.loads(topic.policy) == json.loads(value)
            except ValueError:
                return False
        live = getattr(topic, camelcase_to_underscores(name), None)
        return str(live).lower() == str(value).lower() if isinstance(live, bool) else live == value

    original_create_topic = SNSBackend.create_topic

    def create_topic(self, name, attributes=None, tags=None):  # type: ignore[no-untyped-def]
        existing = next((t for t in self.topics.values() if t.name == name), None)
        if existing is not None:
            if tags and existing._tags != tags:
                raise SNSInvalidParameter("Invalid parameter: Tags Reason: Topic already exists with different tags")
            if any(not same_attribute(existing, k, v) for k, v in (attributes or {}).items()):
                raise SNSInvalidParameter(
                    "Invalid parameter: Attributes Reason: Topic already exists with different attributes"
                )
        return original_create_topic(self, name, attributes, tags)

    original_subscribe = SNSBackend.subscribe

    def subscribe(self, topic_arn, endpoint, protocol):  # type: ignore[no-untyped-def]
        known = self._find_subscription(topic_arn, endpoint, protocol)
        sub = original_subscribe(self, topic_arn, endpoint, protocol)
        if known is None and protocol in CONFIRMING:
            sub.attributes["PendingConfirmation"] = True
            sub.attributes["ConfirmationWasAuthenticated"] = False
        return sub

    def unsubscribe(self, subscription_arn):  # type: ignore[no-untyped-def]
        sub = self.subscriptions.get(subscription_arn)
        if sub is not None and pending(sub):
            raise SNSInvalidParameter(
                "Invalid parameter: Cannot unsubscribe a subscription that is pending confirmation"
            )
        self.subscriptions.pop(subscription_arn, None)

    original_subscribe_response = SNSResponse.subscribe

    def subscribe_response(self):  # type: ignore[no-untyped-def]
        result = original_subscribe_response(self)
        sub = self.backend._find_subscription(
            self._get_param("TopicArn"), self._get_param("Endpoint"), self._get_param("Protocol")
        )
        if sub is not None and pending(sub) and not ensure_boolean(self._get_param("ReturnSubscriptionArn", False)):
            return ActionResult({"SubscriptionArn": "pending confirmation"})
        return result

    SNSBackend.create_topic = create_topic
    SNSBackend.subscribe = subscribe
    SNSBackend.unsubscribe = unsubscribe
    SNSResponse.subscribe = subscribe_response
    # What ListSubscriptions(ByTopic) show as SubscriptionArn (the serializer looks this up first).
    Subscription.subscription_arn = property(lambda s: "PendingConfirmation" if pending(s) else s.arn)
