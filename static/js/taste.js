// Taste profile charts (Chart.js, vendored). The data comes from the page's json_script;
// every chart also has a text alternative in the page, so this file only adds pictures.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("taste-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const css = getComputedStyle(document.documentElement);
  const colour = (name) => css.getPropertyValue(name).trim();
  const accent = colour("--accent");
  const blue = colour("--map-recommended");
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : Chart.defaults.animation;

  const genreCanvas = document.getElementById("genre-chart");
  if (genreCanvas && data.genres) {
    new Chart(genreCanvas, {
      data: {
        labels: data.genres.labels,
        datasets: [
          { type: "bar", label: "Films rated", data: data.genres.counts, backgroundColor: accent, yAxisID: "count" },
          { type: "line", label: "Mean score", data: data.genres.means, borderColor: blue, backgroundColor: blue, yAxisID: "mean" },
        ],
      },
      options: {
        maintainAspectRatio: false,
        scales: {
          count: { position: "left", beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Films rated" } },
          mean: { position: "right", min: 0, max: 5, grid: { drawOnChartArea: false }, title: { display: true, text: "Mean score" } },
        },
      },
    });
  }

  const scoreCanvas = document.getElementById("score-chart");
  if (scoreCanvas && data.histogram) {
    new Chart(scoreCanvas, {
      type: "bar",
      data: { labels: data.histogram.labels, datasets: [{ label: "Ratings", data: data.histogram.counts, backgroundColor: accent }] },
      options: {
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { title: { display: true, text: "Stars" } } },
      },
    });
  }
});
