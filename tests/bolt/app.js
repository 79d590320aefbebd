// A minimal Bolt for JavaScript app in Socket Mode, as Slack's own docs write one: it answers
// `/checkin <score>` in its ack. Run against Tend's emulator by the Bolt compatibility test (and
// by the benchmark as the peer Tend is measured against). The emulator's address comes from
// SLACK_API_URL; the tokens are the emulator's.
const { App, LogLevel, SocketModeReceiver } = require('@slack/bolt');

const slackApiUrl = process.env.SLACK_API_URL;
const clientOptions = slackApiUrl ? { slackApiUrl } : {};

const receiver = new SocketModeReceiver({
  appToken: process.env.SLACK_APP_TOKEN,
  installerOptions: { clientOptions },
  logLevel: LogLevel.WARN,
});

const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  receiver,
  clientOptions,
  logLevel: LogLevel.WARN,
});

app.command('/checkin', async ({ command, ack }) => {
  const score = Number.parseInt(command.text, 10);
  if (score >= 1 && score <= 5) {
    await ack({ response_type: 'ephemeral', text: `Checked in at *${score}/5*.` });
  } else {
    await ack({ response_type: 'ephemeral', text: 'Give a score from 1 to 5.' });
  }
});

(async () => {
  await app.start();
  console.log('bolt app started');
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
process.on('SIGTERM', async () => {
  await app.stop();
  process.exit(0);
});
