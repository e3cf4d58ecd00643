import { describe, expect, it } from 'vitest';
import { openHistoryStore } from '../../src/store/open-store.js';
import { StoreError } from '../../src/store/store-error.js';
import type { HistoryStore } from '../../src/store/history-store.js';
import { newExperiment, newRun } from '../fixtures/store/sample-data.js';
import { freshHistoryEachTest, type StoreTempDir } from '../fixtures/store/temp-db.js';

let temp: StoreTempDir;
let store: HistoryStore;
freshHistoryEachTest((opened) => ({ temp, store } = opened));

function ids(search: string): number[] {
  return store.listExperiments({ limit: 10, search }).items.map((item) => item.id);
}

describe('notes and tags on experiments', () => {
  it('stores notes and tags, keeps them across a reopen, and lists them with the experiment', () => {
    const id = store.createExperiment(newExperiment());
    expect(store.getExperiment(id)).toMatchObject({ notes: '', tags: [] });
    expect(store.annotateExperiment(id, { notes: 'Few-shot off looks different at layer 4.', addTags: ['pilot', 'Layer4'] })).toEqual({
      notes: 'Few-shot off looks different at layer 4.',
      tags: ['Layer4', 'pilot'],
    });
    // Tags are unique whatever their case; removing one leaves the others; notes left out stay.
    expect(store.annotateExperiment(id, { addTags: ['PILOT', 'keep'], removeTags: ['layer4'] })).toEqual({
      notes: 'Few-shot off looks different at layer 4.',
      tags: ['keep', 'pilot'],
    });
    store.close();
    store = openHistoryStore(temp.dbPath());
    expect(store.getExperiment(id)).toMatchObject({ notes: 'Few-shot off looks different at layer 4.', tags: ['keep', 'pilot'] });
    expect(store.listExperiments({ limit: 5 }).items[0]).toMatchObject({ notes: 'Few-shot off looks different at layer 4.', tags: ['keep', 'pilot'] });
  });

  it('refuses a bad tag or an unknown experiment without changing anything', () => {
    const id = store.createExperiment(newExperiment());
    store.annotateExperiment(id, { notes: 'kept', addTags: ['kept'] });
    for (const change of [{ notes: 'lost', addTags: ['two words'] }, { addTags: ['+plus'] }, { removeTags: [''] }, { addTags: ['x'.repeat(41)] }]) {
      expect(() => store.annotateExperiment(id, change)).toThrow(StoreError);
    }
    expect(() => store.annotateExperiment(id + 1, { notes: 'x' })).toThrow(/no experiment/);
    expect(store.getExperiment(id)).toMatchObject({ notes: 'kept', tags: ['kept'] });
  });

  it('deletes the tags with their experiment', () => {
    const id = store.createExperiment(newExperiment());
    store.annotateExperiment(id, { addTags: ['gone'] });
    store.finishExperiment(id, { status: 'completed', endedAt: new Date(), durationS: 1 });
    store.deleteExperiment(id);
    const other = store.createExperiment(newExperiment());
    expect(store.getExperiment(other).tags).toEqual([]);
    expect(ids('gone')).toEqual([]);
  });
});

describe('history search and status counts', () => {
  it('finds experiments by notes, tags, dataset file, prompt options and capture settings', () => {
    const json = store.createExperiment(newExperiment({ hook: 'cotlab' }));
    store.createRun(json, newRun({ datasetPath: '/data/hare-annotations.tsv', promptOptions: { output_format: 'json', few_shot: true } }));
    const plain = store.createExperiment(newExperiment({ pooling: 'mean' }));
    store.createRun(plain, newRun({ promptOptions: { output_format: 'plain', few_shot: false } }));
    store.annotateExperiment(plain, { notes: 'Baseline for the grant report', addTags: ['baseline'] });

    expect(ids('hare-annotations')).toEqual([json]);
    expect(ids('"plain"')).toEqual([plain]);
    expect(ids('grant')).toEqual([plain]);
    expect(ids('BASELINE')).toEqual([plain]);
    expect(ids('cotlab')).toEqual([json]);
    expect(ids('mean')).toEqual([plain]);
  });

  it('counts each status that occurs, failed runs keeping their error', () => {
    expect(store.statusCounts()).toEqual([]);
    const failed = store.createExperiment(newExperiment());
    store.finishExperiment(failed, { status: 'failed', endedAt: new Date(), durationS: 2, error: 'onnxruntime: out of memory' });
    store.createExperiment(newExperiment());
    store.createExperiment(newExperiment());
    expect(store.statusCounts()).toEqual([
      { status: 'failed', count: 1 },
      { status: 'running', count: 2 },
    ]);
    const item = store.listExperiments({ limit: 5, status: 'failed' }).items[0];
    expect(item).toMatchObject({ id: failed, status: 'failed', error: 'onnxruntime: out of memory' });
  });
});
