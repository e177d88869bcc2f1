import { InitialSchema1763884800000 } from './1763884800000-InitialSchema';

/** Every migration, in order. Listed by class so they load the same from ts-jest and from dist. */
export const MIGRATIONS = [InitialSchema1763884800000];
