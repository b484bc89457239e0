'use strict';
// The baseline for bench/: what a team might write instead of What Matters,
// doing as little as it can. Bolt for JavaScript with its defaults (the
// HTTP receiver, request signatures checked, events acknowledged before
// their listener runs). Nothing is stored: a delivery acknowledged and then
// lost to a crash is gone for good, and nothing paces its posts.
//
//   /reflect TEXT            ack(), then one chat.postMessage to the channel
//   a reply in a thread      one chat.postMessage in that thread
//
// Configured by the environment, as the bench program sets it:
//   SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET  fake values (xoxb-bench, …)
//   SLACK_API_URL  the fake Web API's base, ending in /api/
//   PORT           the port to listen on, on 127.0.0.1 only
const { App, LogLevel } = require('@slack/bolt');

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error('PORT must be set');
  process.exit(2);
}

const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
  logLevel: LogLevel.WARN,
});

app.command('/reflect', async ({ command, ack, client }) => {
  await ack();
  const about = (command.text || '').trim() || 'someone';
  await client.chat.postMessage({
    channel: command.channel_id,
    text: `A reflection on ${about} has started: what mattered to them? Answer in the thread.`,
  });
});

app.message(async ({ message, client }) => {
  // Only people's replies in a thread; not the thread's first message, not
  // edits or bots' messages.
  if (message.subtype !== undefined || !message.thread_ts || message.thread_ts === message.ts) {
    return;
  }
  await client.chat.postMessage({
    channel: message.channel,
    thread_ts: message.thread_ts,
    text: 'Thanks, got it.',
  });
});

app.error(async (err) => {
  console.error('bolt:', err && err.message);
});

app.start({ port, host: '127.0.0.1' }).then(() => {
  console.log(`bolt baseline on http://127.0.0.1:${port}/slack/events`);
});
