import { deadLetterTopicOf } from "@saga-shop/contracts";
import { headersAsText } from "./kafka";
import type { ConsumerDeps, IncomingMessage } from "./consumer-deps";
import { headers } from "./definitions";
import type { SqlTransaction } from "./outbox";

/**
 * Puts a message this service cannot process on its dead-letter topic: the original bytes, key
 * and headers, plus where it came from, why it failed and after how many attempts.
 */
export async function deadLetter<Tx extends SqlTransaction>(
  deps: ConsumerDeps<Tx>,
  { message, source }: IncomingMessage,
  reason: string,
  attempts: number,
): Promise<"dead-lettered"> {
  const topic = deadLetterTopicOf(deps.service);
  await deps.producer.send({
    topic,
    acks: -1,
    messages: [
      {
        key: message.key,
        value: message.value,
        headers: {
          ...headersAsText(message.headers),
          [headers.deadLetter.reason]: reason,
          [headers.deadLetter.source]: `${source.topic}/${source.partition}@${source.offset}`,
          [headers.deadLetter.consumer]: deps.service,
          [headers.deadLetter.attempts]: String(attempts),
          [headers.deadLetter.at]: new Date().toISOString(),
        },
      },
    ],
  });
  deps.logger.error({ ...source, reason, attempts, deadLetterTopic: topic }, `message dead-lettered: ${reason}`);
  return "dead-lettered";
}

