// The keyed pages mails link to: a subscriber's manager accepts a subscription a provider
// granted (/orgs/:organization/subscriptions/accept/:key), a provider's manager accepts a
// subscription a subscriber asked for (/orgs/:organization/subscribers/accept/:key).
import { useState } from 'react';
import { Alert, Anchor, Button, Card, Container, Group, Stack, Text } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { RequireLogin } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { day, planPrice } from './format';
import type { Subscription } from './types';

function AcceptPage({ side }: { side: 'subscriber' | 'provider' }) {
  const { organization = '', key = '' } = useParams();
  const [accepted, setAccepted] = useState<Subscription | null>(null);
  const path = side === 'subscriber'
    ? `/profile/${encodeURIComponent(organization)}/subscriptions/accept/${encodeURIComponent(key)}/`
    : `/profile/${encodeURIComponent(organization)}/subscribers/accept/${encodeURIComponent(key)}/`;
  const accept = useSubmit(async () => { setAccepted(await api<Subscription>('POST', path, {})); });
  const next = side === 'subscriber' ? `/orgs/${encodeURIComponent(organization)}/billing` : `/orgs/${encodeURIComponent(organization)}/provider?tab=subscribers`;
  return (
    <Container size="sm" px={0}>
      <PageTitle>{side === 'subscriber' ? 'Accept a subscription' : 'Accept a subscriber'}</PageTitle>
      {accepted
        ? (
          <Card withBorder>
            <Stack gap="xs">
              <Text fw={600}>{side === 'subscriber'
                ? `${accepted.organization.printable_name} is now subscribed to ${accepted.plan.title}.`
                : `${accepted.organization.printable_name} is now a subscriber of ${accepted.plan.title}.`}</Text>
              <Text size="sm">{planPrice(accepted.plan)} · until {day(accepted.ends_at)}</Text>
              <Anchor component={Link} to={next}>{side === 'subscriber' ? 'See the subscriptions' : 'See the subscribers'}</Anchor>
            </Stack>
          </Card>
        )
        : (
          <Stack>
            <Text>{side === 'subscriber'
              ? `A provider offers ${organization} a subscription. Accept it to start using it; nothing is charged for the period granted.`
              : `An organization asked to subscribe to one of ${organization}'s plans, which needs your acceptance.`}</Text>
            {accept.error && (accept.error.status === 404
              ? <Alert color="red" role="alert" title="This link no longer works">It was used already, has ended, or is for another organization. {side === 'subscriber' ? 'Ask the provider to grant it again.' : 'The subscriber can ask again.'}</Alert>
              : <FormError error={accept.error} />)}
            <Group>
              <Button onClick={() => accept.run()} loading={accept.busy}>Accept</Button>
              <Button component={Link} to={next} variant="default">Not now</Button>
            </Group>
          </Stack>
        )}
    </Container>
  );
}

export function AcceptSubscription() {
  return <RequireLogin><AcceptPage side="subscriber" /></RequireLogin>;
}

export function AcceptSubscriber() {
  return <RequireLogin><AcceptPage side="provider" /></RequireLogin>;
}
