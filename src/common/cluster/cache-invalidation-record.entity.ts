import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TimeColumn } from '../../database/columns';

/**
 * One change that made caches stale (a revoke, a logout, a role or plan change), logged so an
 * instance that missed it over Redis reads it from the database (see InvalidationCatchUp).
 */
@Entity('cache_invalidations')
@Index('idx_cache_invalidations_created_at', ['createdAt'])
export class CacheInvalidationRecord {
  /** The order instances read them in; handed out by the database. */
  @PrimaryGeneratedColumn('increment')
  seq: number;

  /** The Invalidation, as JSON. */
  @Column({ type: 'text' })
  event: string;

  @TimeColumn('created_at')
  createdAt: Date;
}
