// Fetch evaluation results from the API gateway and render them.
fetch("/api/v1/evaluations")
  .then((r) => r.json())
  .then((data) => {
    const body = document.querySelector("#runs tbody");
    for (const run of data.evaluations) {
      const row = body.insertRow();
      row.insertCell().textContent = run.task;
      row.insertCell().textContent = run.accuracy;
    }
  });
