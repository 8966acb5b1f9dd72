// The broker's managers' side of the legal pages: a new agreement (on /legal), and on an
// agreement's page its title, whether checkout requires it, and a new version of its text.
// The service decides who may (legal.publish); these forms are only shown to the broker's
// managers so others are not offered what they would be refused.
import { useState } from 'react';
import { Button, Paper, Stack, Switch, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useNavigate } from 'react-router';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { agreementPath } from './paths';

export interface PublishedAgreement {
  slug: string;
  title: string;
  text: string;
  version?: number;
  required_at_checkout?: boolean;
}

export function NewAgreementForm() {
  const navigate = useNavigate();
  const [slug, setSlug] = useState('');
  const [title, setTitle] = useState('');
  const [text, setText] = useState('');
  const [required, setRequired] = useState(false);
  const create = useSubmit(async () => {
    await api('POST', '/legal/', { slug, title, text, required_at_checkout: required });
    navigate(agreementPath(slug));
  });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="new-agreement-heading">
      <Title order={2} size="h4" id="new-agreement-heading" mb="sm">New agreement</Title>
      <form onSubmit={(event) => { event.preventDefault(); void create.run(); }}>
        <Stack gap="sm">
          <TextInput label="Slug" description="Its address: /legal/<slug>. Lowercase letters, digits and dashes." required
            value={slug} onChange={(event) => setSlug(event.currentTarget.value)} error={create.fieldError('slug')} />
          <TextInput label="Title" required value={title} onChange={(event) => setTitle(event.currentTarget.value)} error={create.fieldError('title')} />
          <Textarea label="Text" description="Markdown: headings (#), lists and paragraphs." required autosize minRows={6} maxRows={20}
            value={text} onChange={(event) => setText(event.currentTarget.value)} error={create.fieldError('text')} />
          <Switch label="Required at checkout" checked={required} onChange={(event) => setRequired(event.currentTarget.checked)}
            error={create.fieldError('required_at_checkout')} />
          <Button type="submit" loading={create.busy} style={{ alignSelf: 'flex-start' }}>Create the agreement</Button>
          <FormError error={create.error} fields={['slug', 'title', 'text', 'required_at_checkout']} />
        </Stack>
      </form>
    </Paper>
  );
}

/** The title and checkout requirement, then a new version: each its own form, each reloads the page's agreement when saved. */
export function AgreementSettings({ agreement, onChanged }: { agreement: PublishedAgreement; onChanged: () => void }) {
  const path = `/legal/${encodeURIComponent(agreement.slug)}/`;
  const [title, setTitle] = useState(agreement.title);
  const [required, setRequired] = useState(agreement.required_at_checkout ?? false);
  const [text, setText] = useState(agreement.text);
  const save = useSubmit(async () => {
    await api('PUT', path, { title, required_at_checkout: required });
    onChanged();
  }, { success: 'The agreement is saved.' });
  const publish = useSubmit(async () => {
    await api('POST', `${path}versions/`, { text });
    onChanged();
  }, { success: 'The new version is published: everyone is asked to sign it.' });
  return (
    <Stack gap="md">
      <Paper withBorder p="md" component="section" aria-labelledby="agreement-settings-heading">
        <Title order={2} size="h4" id="agreement-settings-heading" mb="sm">Settings</Title>
        <form onSubmit={(event) => { event.preventDefault(); void save.run(); }}>
          <Stack gap="sm">
            <TextInput label="Title" required value={title} onChange={(event) => setTitle(event.currentTarget.value)} error={save.fieldError('title')} />
            <Switch label="Required at checkout" description="Whoever places an order must have signed the current version."
              checked={required} onChange={(event) => setRequired(event.currentTarget.checked)} error={save.fieldError('required_at_checkout')} />
            <Button type="submit" loading={save.busy} style={{ alignSelf: 'flex-start' }}>Save the settings</Button>
            <FormError error={save.error} fields={['title', 'required_at_checkout']} />
          </Stack>
        </form>
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="new-version-heading">
        <Title order={2} size="h4" id="new-version-heading" mb="sm">New version</Title>
        <Text size="sm" c="dimmed" mb="sm">
          Publishing version {(agreement.version ?? 0) + 1} asks everyone to sign again; earlier signatures stay on record.
        </Text>
        <form onSubmit={(event) => { event.preventDefault(); void publish.run(); }}>
          <Stack gap="sm">
            <Textarea label="Text of the new version" required autosize minRows={6} maxRows={20}
              value={text} onChange={(event) => setText(event.currentTarget.value)} error={publish.fieldError('text')} />
            <Button type="submit" loading={publish.busy} disabled={text.trim() === agreement.text.trim()} style={{ alignSelf: 'flex-start' }}>
              Publish version {(agreement.version ?? 0) + 1}
            </Button>
            <FormError error={publish.error} fields={['text']} />
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
