// The minimal Probot app the acknowledgement benchmark compares djsec with:
// it subscribes to the events the benchmark sends and logs each one, as
// djsec's default processors do. Probot answers after the handlers ran,
// and keeps nothing: a delivery in flight when it stops is lost.
export default (app) => {
  app.on(["pull_request", "issue_comment", "push", "installation_repositories"], async (context) => {
    context.log.info({ delivery: context.id, event: context.name }, "received");
  });
};
