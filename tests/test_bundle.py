"""Opening exported bundles offline: who may sign a reply."""

from __future__ import annotations

from hotline import bundle, crypto


def test_only_the_cases_own_destinations_may_sign_replies() -> None:
    programme, recovery = crypto.generate_key("Coördinator"), crypto.generate_key("Herstel")
    verified = {
        "hbo-ict": crypto.KeyList("hbo-ict", 1, (programme.public,)),
        "recovery": crypto.KeyList("recovery", 1, (recovery.public,)),
    }
    signers = bundle.handlers(verified, ["hbo-ict"])
    assert set(signers) == {programme.kid}
    assert signers[programme.kid].ed25519 == programme.public.ed25519
