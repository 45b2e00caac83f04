from gridcare.testing.personas import ACCOUNT_A, World


def test_alice_sees_her_account_in_the_api(world: World, client_for) -> None:
    response = client_for("alice").get("/api/v1/accounts")
    assert response.status_code == 200, response.content
    assert [item["number"] for item in response.json()["items"]] == [ACCOUNT_A]
