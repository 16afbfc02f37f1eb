// The Probot app scripts/e2ebench compares djsec with, event → completed
// check run. On a pull request it does the GitHub work djsec's check does
// for a pull request that changes one settings module, call for call:
//
//   1. the pull request's changed files (djsec: one compare call; here the
//      pull request's file list, 100 a page),
//   2. the repository's .github/djsec.yml at the base commit (404: none),
//   3. each changed settings module's content at the head commit,
//   4. one check run, created completed, with an annotation per match.
//
// The analysis is a single regular expression (DEBUG = True), not djsec's:
// no parse, no evaluation of imports or conditions, no rules. What the
// comparison measures is the server around the analysis — intake, queue,
// GitHub client, the check run — not the analyzer.
const settingsModule = /(^|\/)settings(\/[^/]+)?\.py$|(^|\/)settings_[^/]+\.py$/;
const debugOn = /^DEBUG\s*=\s*True\b/;

export default (app) => {
  app.on(["pull_request.opened", "pull_request.synchronize", "pull_request.reopened"], async (context) => {
    const pr = context.payload.pull_request;
    const { owner, repo } = context.repo();
    const gh = context.octokit;
    const files = await gh.paginate(gh.rest.pulls.listFiles, { owner, repo, pull_number: pr.number, per_page: 100 });
    try {
      await gh.rest.repos.getContent({ owner, repo, path: ".github/djsec.yml", ref: pr.base.sha });
    } catch (err) {
      if (err.status !== 404) throw err;
    }
    const annotations = [];
    for (const f of files) {
      if (f.status === "removed" || !settingsModule.test(f.filename)) continue;
      const { data } = await gh.rest.repos.getContent({ owner, repo, path: f.filename, ref: pr.head.sha });
      const text = Buffer.from(data.content, "base64").toString("utf8");
      text.split("\n").forEach((line, i) => {
        if (debugOn.test(line)) {
          annotations.push({ path: f.filename, start_line: i + 1, end_line: i + 1, annotation_level: "failure", message: "DEBUG is True" });
        }
      });
    }
    await gh.rest.checks.create({
      owner, repo, name: "djsec-probot", head_sha: pr.head.sha, status: "completed",
      conclusion: annotations.length ? "failure" : "success",
      output: {
        title: annotations.length ? `${annotations.length} finding(s)` : "No findings",
        summary: `Checked ${files.length} changed file(s).`,
        annotations: annotations.slice(0, 50),
      },
    });
  });
};
