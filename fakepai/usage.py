"""Usage and cost: PAI's per-request billing, metered on the virtual clock.

The seed document's "Pricing & Billing" section is the source of every figure here [DOC seed]:
  * each API call counts as one request, failed requests included;
  * a monthly free quota of 1,000 requests "for most APIs", resetting monthly;
  * 0.001 per request beyond it (the `standard` and `default` tiers name the same price).
Our reading of it [INFERRED]: the quota applies to each operation of each account in each
calendar month (UTC) of the virtual clock, to every operation alike (the seed names none that are
exempt); the currency is not named, we label it CNY (cn-* regions bill in yuan).

`UsageMeter` counts what the emulator served (GET /_fakepai/usage, `FakePAI.usage()`, the
console's Usage view); `estimate` prices any counts, e.g. the contract kit's live requests.
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache

from fakepai.timestamps import month_utc

FREE_REQUESTS_PER_MONTH = 1000
PRICE_PER_REQUEST = 0.001
CURRENCY = "CNY"
# [INFERRED] Accounts metered one by one in a month; the requests of any further account are
# counted together under OTHER_ACCOUNTS, so a stream of unknown bearer tokens (each its own
# account in auth mode any) cannot grow the meter without bound (issue #11 §4).
MAX_METERED_ACCOUNTS = 10_000
OTHER_ACCOUNTS = "(other accounts)"


def month_of(ts: float) -> str:
    """The billing month ("2026-12") of an epoch time, in UTC."""
    return _month_of_day(int(ts // 86400))


@lru_cache(maxsize=64)
def _month_of_day(day: int) -> str:
    """Months begin at midnight UTC: one formatting per day, not per request."""
    return month_utc(day * 86400)


def estimate(counts: dict[tuple[str, str], int]) -> dict:
    """Price one account-month's requests: {(product, action): count} -> operations with their
    free and billable requests and cost, and the totals."""
    operations = []
    for (product, action), count in sorted(counts.items()):
        billable = max(0, count - FREE_REQUESTS_PER_MONTH)
        operations.append({"product": product, "action": action, "requests": count,
                           "freeRequests": count - billable, "billableRequests": billable,
                           "cost": round(billable * PRICE_PER_REQUEST, 6)})
    return {"requests": sum(o["requests"] for o in operations),
            "billableRequests": sum(o["billableRequests"] for o in operations),
            "cost": round(sum(o["cost"] for o in operations), 6),
            "operations": operations}


def pricing() -> dict:
    return {"freeRequestsPerMonth": FREE_REQUESTS_PER_MONTH, "pricePerRequest": PRICE_PER_REQUEST,
            "currency": CURRENCY, "quotaScope": "per account and operation"}


class UsageMeter:
    """Requests per (month, account, product, action): one counter per distinct key, a key only
    for a request that reached an operation, and at most MAX_METERED_ACCOUNTS accounts a month
    (the rest are counted together under OTHER_ACCOUNTS: the month's totals stay exact)."""

    def __init__(self, max_accounts: int = MAX_METERED_ACCOUNTS):
        self._counts: Counter[tuple[str, str, str, str]] = Counter()
        self._max_accounts = max_accounts
        self._accounts: dict[str, set[str]] = {}       # month -> the accounts metered one by one
        self._day, self._month = None, ""               # the day of the last request, and its month

    def record(self, account: str | None, product: str | None, action: str | None, now: float) -> None:
        """One request of `account` to an operation (None when the request named no operation or
        no caller could be identified: nobody would be billed for it)."""
        if account and product and action:
            day = int(now // 86400)
            if day != self._day:                        # months begin at midnight UTC: one lookup a day
                self._day, self._month = day, _month_of_day(day)
            month = self._month
            metered = self._accounts.get(month)
            if metered is None:                          # (not setdefault: that builds a set every request)
                metered = self._accounts[month] = set()
            if account not in metered:
                if len(metered) >= self._max_accounts:
                    account = OTHER_ACCOUNTS
                else:
                    metered.add(account)
            self._counts[(month, account, product, action)] += 1

    def clear(self) -> None:
        self._counts.clear()
        self._accounts.clear()

    def months(self) -> list[str]:
        return sorted({key[0] for key in self._counts})

    def report(self, now: float, month: str | None = None, account: str | None = None) -> dict:
        """The bill of `month` (the virtual clock's current one by default), per account."""
        month = month or month_of(now)
        per_account: dict[str, dict[tuple[str, str], int]] = {}
        for (m, acct, product, action), count in self._counts.items():
            if m == month and (account is None or acct == account):
                per_account.setdefault(acct, {})[(product, action)] = count
        accounts = [{"account": acct, **estimate(counts)} for acct, counts in sorted(per_account.items())]
        return {"month": month, "months": self.months(), "pricing": pricing(),
                "requests": sum(a["requests"] for a in accounts),
                "billableRequests": sum(a["billableRequests"] for a in accounts),
                "cost": round(sum(a["cost"] for a in accounts), 6),
                "accounts": accounts}


def run_summary(counts: dict[tuple[str, str], int]) -> list[str]:
    """Lines for the end of a contract-kit run: the requests it sent per operation and what live
    PAI would bill for them, if the account made no other request that month."""
    bill = estimate(counts)
    busiest = sorted(bill["operations"], key=lambda o: (-o["requests"], o["action"]))
    listed = ", ".join(f"{o['product']} {o['action']} {o['requests']}" for o in busiest[:8])
    more = f", … {len(busiest) - 8} more operations" if len(busiest) > 8 else ""
    return [f"requests sent: {bill['requests']} ({listed}{more})",
            f"estimated cost: {bill['cost']:.3f} {CURRENCY} ({bill['billableRequests']} billable; "
            f"{FREE_REQUESTS_PER_MONTH} free requests per operation a month, then {PRICE_PER_REQUEST} {CURRENCY} each, "
            f"error answers included; assuming no other use this month)"]
