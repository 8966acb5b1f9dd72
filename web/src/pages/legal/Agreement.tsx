// /legal: the agreements the site asks its users to sign; /legal/:agreement: one of them, its
// current version's text, and the signature (a checkbox, then POST .../sign/). A checkout
// refused for want of a signature links here with ?next= back to the checkout.
import { useState } from 'react';
import { Alert, Anchor, Button, Card, Checkbox, Container, Stack, Table, Text, Title, TypographyStylesProvider } from '@mantine/core';
import { Link, useParams, useSearchParams } from 'react-router';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { safeNext, useSession } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { agreementPath } from './paths';
import { Loading, PagedList, useLoad } from '../billing/load';
import { day, moment } from '../billing/format';
import { AgreementSettings, NewAgreementForm } from './Publish';

interface AgreementBrief { slug: string; title: string; updated_at: string; }
interface AgreementText extends AgreementBrief {
  text: string;
  version?: number;
  required_at_checkout?: boolean;
  /** When the caller signed the current version (null: not signed, or not logged in). */
  last_signed?: string | null;
}
interface Signature { read_terms: boolean; last_signed: string | null; }

/**
 * The agreement's Markdown, its blocks only (headings, lists, paragraphs), every word as
 * text: never parsed as HTML, so a version's text cannot put markup or scripts in the page.
 * Its headings sit below the page's own (# is a level 2).
 */
function Markdown({ text }: { text: string }) {
  // A heading line is a block of its own, whatever follows it.
  const blocks = text.replace(/\r\n/g, '\n').replace(/^(#{1,5}\s.*)$/gm, '\n$1\n').split(/\n\s*\n/).map((block) => block.trim()).filter(Boolean);
  return (
    <>
      {blocks.map((block, n) => {
        const heading = /^(#{1,5})\s+(.*)$/.exec(block);
        if (heading) {
          const Tag = `h${Math.min(heading[1]!.length + 1, 6)}` as 'h2';
          return <Tag key={n}>{heading[2]}</Tag>;
        }
        const lines = block.split('\n');
        if (lines.every((line) => /^\s*([-*]|\d+\.)\s+/.test(line))) {
          const items = lines.map((line) => line.replace(/^\s*([-*]|\d+\.)\s+/, ''));
          return /^\s*\d+\./.test(lines[0]!)
            ? <ol key={n}>{items.map((item, k) => <li key={k}>{item}</li>)}</ol>
            : <ul key={n}>{items.map((item, k) => <li key={k}>{item}</li>)}</ul>;
        }
        return <p key={n} style={{ whiteSpace: 'pre-wrap' }}>{block}</p>;
      })}
    </>
  );
}

function SignForm({ agreement, next }: { agreement: AgreementText; next: string | null }) {
  const { session } = useSession();
  const [read, setRead] = useState(false);
  const [signed, setSigned] = useState<Signature | null>(agreement.last_signed ? { read_terms: true, last_signed: agreement.last_signed } : null);
  const sign = useSubmit(async () => {
    setSigned(await api<Signature>('POST', `/legal/${encodeURIComponent(agreement.slug)}/sign/`, { read_terms: read }));
  });
  if (!session.user) {
    const here = agreementPath(agreement.slug, next ?? undefined);
    return <Alert title="Log in to sign">To sign {agreement.title}, <Anchor component={Link} to={`/login?next=${encodeURIComponent(here)}`}>log in</Anchor> first.</Alert>;
  }
  if (signed) {
    return (
      <Alert color="teal" role="status" title="Signed">
        <Stack gap="xs" align="flex-start">
          <Text size="sm">You signed this version of {agreement.title}{signed.last_signed ? ` on ${moment(signed.last_signed)}` : ''}.</Text>
          {next && <Button component={Link} to={next} size="xs">Back to where you were</Button>}
        </Stack>
      </Alert>
    );
  }
  return (
    <form onSubmit={(event) => { event.preventDefault(); void sign.run(); }}>
      <Stack gap="sm" align="flex-start">
        <Checkbox label="I have read and understand these terms" checked={read} onChange={(event) => setRead(event.currentTarget.checked)} error={sign.fieldError('read_terms')} />
        <Button type="submit" disabled={!read} loading={sign.busy}>Sign {agreement.title}</Button>
        <FormError error={sign.error} fields={['read_terms']} />
      </Stack>
    </form>
  );
}

export function Agreement() {
  const { agreement = '' } = useParams();
  const { session } = useSession();
  const [params] = useSearchParams();
  const next = params.get('next') ? safeNext(params.get('next')) : null;
  const loaded = useLoad<AgreementText>(`/legal/${encodeURIComponent(agreement)}/`);
  if (loaded.error?.status === 404) {
    return (
      <Container size="md" px={0}>
        <PageTitle>Agreement not found</PageTitle>
        <Alert color="red" role="alert" title="No such agreement">There is no agreement {agreement}. <Anchor component={Link} to="/legal">See the agreements</Anchor>.</Alert>
      </Container>
    );
  }
  return (
    <Container size="md" px={0}>
      <PageTitle>{loaded.data?.title ?? 'Agreement'}</PageTitle>
      <Loading loaded={loaded} label="the agreement">
        {(doc) => (
          <Stack gap="lg">
            <Text size="sm" c="dimmed">{doc.version ? `Version ${doc.version}, ` : 'Version '}of {day(doc.updated_at)}</Text>
            <Card withBorder component="article" aria-label={doc.title} mah={480} style={{ overflowY: 'auto' }} tabIndex={0}>
              <TypographyStylesProvider><Markdown text={doc.text} /></TypographyStylesProvider>
            </Card>
            <section aria-labelledby="sign-heading">
              <Title order={2} size="h4" id="sign-heading" mb="sm">Sign</Title>
              <SignForm agreement={doc} next={next} />
            </section>
            {session.user?.is_broker_manager && (
              // Keyed by version: a new version starts its forms from what was just published;
              // saved settings are what the form already holds, so it stays as it is.
              <AgreementSettings key={`${doc.slug}-${doc.version ?? 0}`} agreement={doc} onChanged={loaded.reload} />
            )}
          </Stack>
        )}
      </Loading>
    </Container>
  );
}

export function Agreements() {
  const { session } = useSession();
  return (
    <Container size="md" px={0}>
      <PageTitle>Legal agreements</PageTitle>
      <PagedList<AgreementBrief> path="/legal/" label="agreements" search={false} empty="The site has no agreement to sign.">
        {(rows) => (
          <Table aria-label="Agreements">
            <Table.Thead><Table.Tr><Table.Th scope="col">Agreement</Table.Th><Table.Th scope="col">Current version</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {rows.map((row) => (
                <Table.Tr key={row.slug}>
                  <Table.Td><Anchor component={Link} to={agreementPath(row.slug)}>{row.title}</Anchor></Table.Td>
                  <Table.Td>{day(row.updated_at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </PagedList>
      {session.user?.is_broker_manager && <Stack mt="lg"><NewAgreementForm /></Stack>}
    </Container>
  );
}

