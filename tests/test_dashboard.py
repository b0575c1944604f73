"""GET /_fakepai/: the dashboard shows the clock, what each account holds, faults and requests."""
from __future__ import annotations

import httpx


def test_dashboard_shows_state_faults_and_requests(fakepai):
    empty = httpx.get(f"{fakepai.url}/_fakepai/")
    assert empty.status_code == 200 and empty.headers["content-type"].startswith("text/html")
    assert "No account has called yet." in empty.text and "No faults injected." in empty.text
    with fakepai.http() as http:
        http.post("/api/PaiStudio/2022-01-12/CreateTrainingJob",
                  json={"TrainingJobName": "<script>x</script>", "WorkspaceId": "1", "AlgorithmName": "pytorch_ddp"})
        http.get("/api/PaiStudio/2022-01-12/GetTrainingJob/trainnope")
    fakepai.inject_fault(action="ListTrainingJobs", status=503, code="ServiceUnavailable", times=1)
    page = httpx.get(f"{fakepai.url}/_fakepai/").text
    assert "TrainingJobStore" in page and "<td>jobs</td><td>1</td>" in page
    assert "NotFound.TrainingJob" in page and "ServiceUnavailable" in page
    assert "<script>" not in page          # everything shown is escaped
